import { z } from 'zod';
import { ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { BackoffOptions, JobContext } from './types.js';
import { checkBackoff, checkPositiveInt } from './validate.js';

/** A job type's definition, given to {@link defineJob}. */
export interface JobTypeDefinition<S extends z.ZodType, R> {
  /** Unique among the types a queue knows; stored on every job. */
  name: string;
  /** Checks every payload at enqueue; the parsed value (JSON) is stored and given to the handler. */
  payload: S;
  /** Does the work; a rejection fails the attempt, a {@link PermanentJobError} fails the job at once. */
  handler: (payload: z.output<S>, ctx: JobContext) => Promise<R>;
  /** Queue of this type's jobs. Default: `default`. */
  queue?: string;
  /** Priority of this type's jobs. Default: 0. */
  priority?: number;
  /** Attempts of this type's jobs. Default: the queue's `maxAttempts` (5). */
  maxAttempts?: number;
  /** Backoff of this type's jobs. Default: the queue's `backoff` (exponential from 1 s, with jitter). */
  backoff?: BackoffOptions;
  /** Timeout of one attempt. Default: the queue's `timeoutMs` (300000 ms). */
  timeoutMs?: number;
}

/**
 * A job type: its name, payload schema, handler and defaults. Create with {@link defineJob}.
 *
 * @example
 * ```ts
 * const types: JobType[] = [sendReminder, sendNotification];
 * ```
 */
export interface JobType<I = unknown, O = unknown, R = unknown> {
  readonly name: string;
  readonly queue: string | undefined;
  readonly priority: number | undefined;
  readonly maxAttempts: number | undefined;
  readonly backoff: BackoffOptions | undefined;
  readonly timeoutMs: number | undefined;
  /** Validates a payload; throws a {@link ValidationError} (location `payload`) on bad input. */
  parse(payload: I): O;
  /** Runs the handler (method syntax: a JobType of any payload fits `JobType`). */
  handle(payload: O, ctx: JobContext): Promise<R>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Defines a job type.
 *
 * @example
 * ```ts
 * const sendReminder = defineJob({
 *   name: 'send-reminder',
 *   payload: z.object({ eventId: z.string() }),
 *   handler: async ({ eventId }, ctx) => { await mailer.send(eventId, { signal: ctx.signal }); },
 *   maxAttempts: 10,
 * });
 * ```
 */
export function defineJob<S extends z.ZodType, R>(
  definition: JobTypeDefinition<S, R>,
): JobType<z.input<S>, z.output<S>, R> {
  const problems = [
    ...(NAME.test(definition.name) ? [] : [{ path: 'name', message: 'must be 1-128 letters, digits or ._:-' }]),
    ...(definition.queue === undefined || NAME.test(definition.queue)
      ? []
      : [{ path: 'queue', message: 'must be 1-128 letters, digits or ._:-' }]),
    ...(definition.payload instanceof z.ZodType ? [] : [{ path: 'payload', message: 'must be a zod schema' }]),
    ...(typeof definition.handler === 'function' ? [] : [{ path: 'handler', message: 'must be a function' }]),
    ...checkPositiveInt('maxAttempts', definition.maxAttempts),
    ...checkPositiveInt('timeoutMs', definition.timeoutMs),
    ...checkBackoff(definition.backoff),
  ];
  if (problems.length > 0) throw new ValidationError(problems.map((p) => ({ location: 'options', ...p })));
  const schema = definition.payload;
  return {
    name: definition.name,
    queue: definition.queue,
    priority: definition.priority,
    maxAttempts: definition.maxAttempts,
    backoff: definition.backoff,
    timeoutMs: definition.timeoutMs,
    parse(payload) {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, 'payload'));
      return parsed.data;
    },
    handle: (payload, ctx) => definition.handler(payload, ctx),
  };
}
