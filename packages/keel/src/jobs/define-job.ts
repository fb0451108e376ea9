import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import { backoffOption } from './backoff.js';
import type { BackoffOptions, JobContext } from './types.js';

/**
 * A job type's definition, given to {@link defineJob}. `DB` is the database type the handler's
 * `ctx.store` is seen as (annotate `ctx: JobContext<Database>` to use it).
 *
 * @example
 * ```ts
 * const definition: JobTypeDefinition<typeof payload, void> = {
 *   name: 'send-reminder',
 *   payload,
 *   handler: async ({ eventId }, ctx) => ctx.logger.info({ eventId }, 'reminding'),
 * };
 * ```
 */
export interface JobTypeDefinition<S extends z.ZodType, R, DB = unknown> {
  /** Unique among the types a queue knows; stored on every job. 1-128 letters, digits or `._:-`. */
  name: string;
  /** Checks every payload at enqueue; the parsed value (JSON) is stored and given to the handler. */
  payload: S;
  /** Does the work; a rejection fails the attempt, a {@link PermanentJobError} fails the job at once. */
  handler: (payload: z.output<S>, ctx: JobContext<DB>) => Promise<R>;
  /** Queue of this type's jobs. Default: `default`. */
  queue?: string;
  /** Priority of this type's jobs (an integer; higher runs first). Default: 0. */
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

const definitionSchema = z.object({
  name: option.name(),
  payload: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema'),
  handler: option.fn(),
  queue: option.name().optional(),
  priority: z.number().int('must be an integer').optional(),
  maxAttempts: option.count().optional(),
  backoff: backoffOption.optional(),
  timeoutMs: option.positiveDurationMs().optional(),
});

/**
 * Defines a job type. Bad definitions throw a UsageError listing every problem.
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
export function defineJob<S extends z.ZodType, R, DB = unknown>(
  definition: JobTypeDefinition<S, R, DB>,
): JobType<z.input<S>, z.output<S>, R> {
  checkOptions('defineJob', definitionSchema, definition);
  const schema = definition.payload;
  const handler = definition.handler;
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
    // The queue that runs the job gives its own store: the one the handler was written against.
    handle: (payload, ctx) => handler(payload, ctx as JobContext<DB>),
  };
}
