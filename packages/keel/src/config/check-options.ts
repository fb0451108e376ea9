import { z } from 'zod';
import { UsageError } from '../errors/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Building blocks of option schemas, shared by every capability so one rule reads the same
 * everywhere: `durationMs` (0 or more whole ms), `positiveDurationMs` (1 or more), `count` (a whole
 * number, 1 or more), `name` (1-128 letters, digits or `._:-`, starting with a letter or digit),
 * `fn<F>()` (a function, typed `F`) and `instance(Class, label)` (an object made by `Class`).
 *
 * @example
 * ```ts
 * const schema = z.object({
 *   name: option.name(),
 *   pollIntervalMs: option.positiveDurationMs().optional(),
 *   handler: option.fn<(job: Job) => Promise<void>>(),
 *   store: option.instance(Store, 'a Store'),
 * });
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
  /** A PostgreSQL connection URL (`postgres://` or `postgresql://`). */
  databaseUrl: () => z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** A function (a handler, a guard, a loader). */
  fn: <F extends (...args: never[]) => unknown>() =>
    z.custom<F>((value) => typeof value === 'function', 'must be a function'),
  /** An object made by a class (a store, a queue); `label` names it in the problem, e.g. `'a Store'`. */
  instance: <T>(type: abstract new (...args: never[]) => T, label: string) =>
    z.custom<T>((value) => value instanceof type, `must be ${label}`),
};

const article: Record<string, string> = { object: 'an object', array: 'an array', int: 'a whole number' };

// Plain words for zod's generic type problems; a schema's own message always wins over these.
const plainWords: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (!issue.path?.length) return `the options must be ${article[issue.expected] ?? `a ${issue.expected}`}`;
  if (issue.input === undefined) return 'is required';
  if (issue.expected === 'number' && typeof issue.input === 'number') return 'must be a finite number';
  return `must be ${article[issue.expected] ?? `a ${issue.expected}`}`;
};

/**
 * Checks a public function's options against their schema and returns them parsed (defaults
 * applied). Bad options are the calling code's bug: a {@link UsageError} (code `usage`, 500) lists
 * every problem with its path, prefixed by `what`, e.g.
 * `createJobQueue: concurrency must be 1 or more; handler must be a function`. Missing options
 * (`undefined` or `null`) are checked as `{}`.
 *
 * @example
 * ```ts
 * const schema = z.object({ concurrency: option.count().default(4), handler: option.fn<Handler>() });
 * const resolved = checkOptions('createJobQueue', schema, options); // resolved.concurrency: 4 when unset
 * ```
 */
export function checkOptions<S extends z.ZodType>(what: string, schema: S, value: unknown): z.output<S> {
  const input = value ?? {};
  // A custom error map takes zod off its fast path: word the problems only once there are some.
  const valid = schema.safeParse(input);
  if (valid.success) return valid.data;
  const parsed = schema.safeParse(input, { error: plainWords });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path} ${issue.message}` : issue.message;
  });
  throw new UsageError(`${what}: ${problems.join('; ')}`, { cause: parsed.error });
}

/**
 * The names that two or more of `items` share, once each, in order: for refusing two job types,
 * schedules or checks of one name.
 *
 * @example
 * ```ts
 * duplicateNames([{ name: 'a' }, { name: 'b' }, { name: 'a' }]); // ['a']
 * ```
 */
export function duplicateNames(items: readonly { name: string }[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { name } of items) (seen.has(name) ? twice : seen).add(name);
  return [...twice];
}
