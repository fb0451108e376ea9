import { z } from 'zod';

/**
 * An integer read from an env string, within `min` and `max` (inclusive; default 0 and
 * `Number.MAX_SAFE_INTEGER`); unset or blank gives `defaultValue`.
 *
 * @example
 * ```ts
 * const schema = baseConfigSchema.extend({ WORKER_CONCURRENCY: intVar(4, 1, 64) }); // '8' → 8, unset → 4
 * ```
 */
export function intVar(defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) {
  // A blank variable (`PORT=`) means unset: coercing it would silently give 0.
  return z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(defaultValue));
}

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/**
 * A comma-separated list read from an env string; items are trimmed and blank ones dropped; unset
 * gives `defaultValue` (default: empty).
 *
 * @example
 * ```ts
 * const schema = baseConfigSchema.extend({ ADMIN_EMAILS: listVar() }); // 'a@x.org, b@x.org' → ['a@x.org', 'b@x.org']
 * ```
 */
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

/**
 * A boolean read from an env string: `true`/`false`/`1`/`0`/`yes`/`no`, in any letter case; unset
 * or blank gives `defaultValue`; anything else is a problem.
 *
 * @example
 * ```ts
 * const schema = baseConfigSchema.extend({ SIGNUPS_OPEN: boolVar(true) }); // 'no' → false, unset → true
 * ```
 */
export function boolVar(defaultValue: boolean) {
  return boolText.transform((value) => (value === undefined ? defaultValue : isTrue(value)));
}

/**
 * Like {@link boolVar}, but unset stays `undefined`, for defaults that depend on other variables.
 *
 * @example
 * ```ts
 * const config = loadConfig(baseConfigSchema.extend({ SEND_MAIL: optionalBoolVar() }));
 * const sendMail = config.SEND_MAIL ?? config.NODE_ENV === 'production';
 * ```
 */
export function optionalBoolVar() {
  return boolText.transform((value) => (value === undefined ? undefined : isTrue(value)));
}
