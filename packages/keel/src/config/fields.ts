import { z } from 'zod';

/** An integer read from an env string, within bounds. */
export function intVar(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  // A blank variable (`PORT=`) means unset: coercing it would silently give 0.
  return z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(defaultValue));
}

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** A comma-separated list read from an env string; blank items are dropped. */
export function listVar(defaultValue: string[] = []) {
  return z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? defaultValue
        : value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item.length > 0),
    );
}

const boolText = z.preprocess(
  (value) => (typeof value === 'string' ? blankToUndefined(value.trim().toLowerCase()) : value),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
);

function isTrue(value: string): boolean {
  return ['true', '1', 'yes'].includes(value);
}

/** `true`/`false`/`1`/`0`/`yes`/`no` read from an env string. */
export function boolVar(defaultValue: boolean) {
  return boolText.transform((value) => (value === undefined ? defaultValue : isTrue(value)));
}

/** Like {@link boolVar}, but unset stays `undefined`, for defaults that depend on other variables. */
export function optionalBoolVar() {
  return boolText.transform((value) => (value === undefined ? undefined : isTrue(value)));
}
