import { z } from 'zod';
import { UsageError } from '../errors/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Building blocks of option schemas, shared by every capability so one rule reads the same
 * everywhere.
 *
 * @example
 * ```ts
 * const schema = z.object({ name: option.name(), pollIntervalMs: option.durationMs().optional() });
 * ```
 */
export const option = {
  /** A duration in whole milliseconds, 0 or more. */
  durationMs: () => z.number().int('must be a whole number of ms').nonnegative('must be 0 or more'),
  /** A duration in whole milliseconds, 1 or more. */
  positiveDurationMs: () => z.number().int('must be a whole number of ms').positive('must be 1 or more'),
  /** A count: a whole number, 1 or more. */
  count: () => z.number().int('must be a whole number').positive('must be 1 or more'),
  /** A name stored or shown (a job type, a queue, a schedule): 1-128 letters, digits or `._:-`. */
  name: () => z.string().regex(NAME, 'must be 1-128 letters, digits or ._:-, starting with a letter or digit'),
  /** A function (a handler, a guard, a loader). */
  fn: <F extends (...args: never[]) => unknown>() =>
    z.custom<F>((value) => typeof value === 'function', 'must be a function'),
  /** An object made by a class (a store, a queue). */
  instance: <T>(type: abstract new (...args: never[]) => T, label: string) =>
    z.custom<T>((value) => value instanceof type, `must be ${label}`),
};

/**
 * Checks a public function's options against their schema and returns them parsed (defaults
 * applied). Bad options are the calling code's bug: a {@link UsageError} (500) lists every problem,
 * prefixed by `what`.
 *
 * @example
 * ```ts
 * const resolved = checkOptions('createJobQueue', jobQueueOptionsSchema, options);
 * ```
 */
export function checkOptions<S extends z.ZodType>(what: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path} ${issue.message}` : issue.message;
  });
  throw new UsageError(`${what}: ${problems.join('; ')}`, { cause: parsed.error });
}
