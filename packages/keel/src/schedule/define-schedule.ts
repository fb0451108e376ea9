import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ValidationError } from '../errors/index.js';
// The jobs' own rule for a backoff option, so a schedule's reads the same as a job type's.
import { backoffOption } from '../jobs/backoff.js';
import { type BackoffOptions, defineJob, type JobContext, type JobType } from '../jobs/index.js';
import { cronTiming, intervalTiming, type Timing } from './timing.js';

/**
 * What happens to a tick while the schedule's previous run is still waiting or running:
 * `skip` records the tick as skipped, `allow` enqueues it anyway.
 *
 * @example
 * ```ts
 * const overlap: OverlapPolicy = 'allow';
 * ```
 */
export type OverlapPolicy = 'skip' | 'allow';

/**
 * What happens to ticks missed while no instance ran the scheduler: `skip` drops them, `once` runs
 * one catch-up for the latest, `all` runs each one within `catchUpWindowMs`.
 *
 * @example
 * ```ts
 * const missed: MissedPolicy = 'once';
 * ```
 */
export type MissedPolicy = 'skip' | 'once' | 'all';

/**
 * Options of the jobs a schedule enqueues. With `handler` they are the options of the schedule's own
 * job type (so its `queue` is worked); with `job`, unset ones fall back to that type's, then the queue's.
 *
 * @example
 * ```ts
 * const options: ScheduledJobOptions = { maxAttempts: 3, timeoutMs: 600_000, backoff: { type: 'fixed', delayMs: 60_000 } };
 * ```
 */
export interface ScheduledJobOptions {
  /** Default: the job type's priority, else 0. */
  priority?: number;
  /** Default: the job type's, else the queue's (5). */
  maxAttempts?: number;
  /** Default: the job type's, else the queue's (300000 ms). */
  timeoutMs?: number;
  /** Default: the job type's queue, else `default`. */
  queue?: string;
  /** Delay between attempts. Default: the job type's, else the queue's (exponential from 1 s, with jitter). */
  backoff?: BackoffOptions;
}

/** What every schedule declares besides its work: its name, timing and policies. */
interface ScheduleBaseDefinition {
  /** Unique among a scheduler's schedules: 1-128 letters, digits or `._:-`, starting with a letter or digit. */
  name: string;
  /** A croner expression: 5 fields, or 6 with leading seconds, or `@yearly|@monthly|@weekly|@daily|@hourly`. Default: none. */
  cron?: string;
  /** A fixed interval of at least 1000 ms, ticking on multiples of it since the Unix epoch. Default: none. */
  intervalMs?: number;
  /** The IANA timezone `cron` is read in. Default: `UTC`. */
  timezone?: string;
  /** Ticks while the previous run is unfinished. Default: `skip`. */
  overlap?: OverlapPolicy;
  /** Ticks missed while every instance was down. Default: `skip`. */
  missed?: MissedPolicy;
  /** With `missed: 'all'`, how far back missed ticks are run (at most 1000 of them). Default: 86400000 ms (1 day). */
  catchUpWindowMs?: number;
  /** A tick handled this late still counts as on time; later it counts as missed. Default: 60000 ms. */
  graceMs?: number;
  /** Enqueue one run when the scheduler starts (unless one is already unfinished), e.g. a warm-up. Default: `false`. */
  runOnStart?: boolean;
  /** Options of the enqueued jobs. Default: the job type's. */
  jobOptions?: ScheduledJobOptions;
}

/**
 * A schedule that is its own work: `handler` runs on every tick, as a durable job of a job type the
 * schedule creates and owns (named after the schedule, with no payload). The scheduler registers
 * that type on its job queue: no `defineJob`, nothing to list in the queue's `types`. Set exactly
 * one of `cron` and `intervalMs`.
 *
 * @example
 * ```ts
 * const definition: HandlerScheduleDefinition<Database> = {
 *   name: 'purge-sessions', cron: '@hourly',
 *   handler: async (ctx) => { await ctx.store.db.deleteFrom('sessions').where('expires_at', '<', Date.now()).execute(); },
 * };
 * ```
 */
export interface HandlerScheduleDefinition<DB = unknown> extends ScheduleBaseDefinition {
  /**
   * Runs on every tick with the job's context (id, attempt, abort signal, logger, store, enqueue);
   * a rejection fails the attempt, which is retried like any job's.
   */
  handler: (ctx: JobContext<DB>) => Promise<unknown>;
  job?: never;
  payload?: never;
}

/**
 * A schedule that enqueues a job type defined elsewhere (with `defineJob`) with a fixed payload;
 * that type must be among the job queue's types. Set exactly one of `cron` and `intervalMs`.
 *
 * @example
 * ```ts
 * const definition: JobScheduleDefinition<{ keep: number }> = {
 *   name: 'nightly-backup', cron: '0 3 * * *', timezone: 'Europe/Paris', job: backupJob, payload: { keep: 7 },
 * };
 * ```
 */
export interface JobScheduleDefinition<I> extends ScheduleBaseDefinition {
  /** The job type each tick enqueues (it must be among the job queue's types to run). */
  job: JobType<I, unknown, unknown>;
  /** The payload of every enqueued job, validated by `job` at declaration. */
  payload: I;
  handler?: never;
}

/**
 * Either form of a schedule's declaration, given to {@link defineSchedule}: with a `handler`, or
 * with a `job` and its `payload`.
 *
 * @example
 * ```ts
 * const definitions: ScheduleDefinition[] = [
 *   { name: 'heartbeat', intervalMs: 60_000, handler: async (ctx) => ctx.logger.info('alive') },
 *   { name: 'nightly-backup', cron: '0 3 * * *', job: backupJob, payload: {} },
 * ];
 * ```
 */
export type ScheduleDefinition<I = unknown, DB = unknown> = HandlerScheduleDefinition<DB> | JobScheduleDefinition<I>;

/**
 * A validated schedule, ready for {@link createScheduler} or {@link Scheduler.add}.
 *
 * @example
 * ```ts
 * const next: Date | null = nightlyBackup.nextRun(new Date());
 * ```
 */
export interface Schedule {
  readonly name: string;
  /** The cron expression, or `undefined` for an interval schedule. */
  readonly cron: string | undefined;
  /** The interval, or `undefined` for a cron schedule. */
  readonly intervalMs: number | undefined;
  /** The canonical IANA timezone name. */
  readonly timezone: string;
  /** The job type each tick enqueues: the schedule's own {@link Schedule.jobType}, or the given `job`. */
  readonly job: JobType;
  /**
   * The job type the schedule owns (declared with `handler`), named after the schedule; the
   * scheduler registers it on its job queue. `undefined` for a schedule of a given `job`.
   */
  readonly jobType: JobType | undefined;
  /** The payload of every enqueued job (`{}` for a schedule's own job type). */
  readonly payload: unknown;
  readonly overlap: OverlapPolicy;
  readonly missed: MissedPolicy;
  readonly catchUpWindowMs: number;
  readonly graceMs: number;
  readonly runOnStart: boolean;
  readonly jobOptions: ScheduledJobOptions;
  /** The first tick strictly after `after`, or `null` when the expression never fires again. */
  nextRun(after: Date): Date | null;
}

/** What the scheduler needs of a schedule besides its public fields. */
export interface ScheduleInternals {
  /** The tick arithmetic. */
  timing: Timing;
  /** What decides the ticks, stored to notice a changed schedule: cron or interval, and timezone. */
  spec: string;
}

// Only defineSchedule makes schedules: this also tells a schedule from a look-alike object.
const internals = new WeakMap<Schedule, ScheduleInternals>();

/** True when `value` was made by {@link defineSchedule}. */
export function isSchedule(value: unknown): value is Schedule {
  return typeof value === 'object' && value !== null && internals.has(value as Schedule);
}

/** A schedule's timing and spec; throws a TypeError for an object not made by defineSchedule. */
export function internalsOf(schedule: Schedule): ScheduleInternals {
  const found = internals.get(schedule);
  if (!found) throw new TypeError('not a schedule made by defineSchedule');
  return found;
}

const CRON = /^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+(\s+\S+){4,5})$/i;

function isJobType(value: unknown): value is JobType {
  const type = value as JobType | null | undefined;
  return typeof type?.name === 'string' && typeof type.parse === 'function' && typeof type.handle === 'function';
}

function canonicalTimezone(timezone: string): string | undefined {
  if (timezone.length === 0) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const cronOption = z.string('must be a cron expression').superRefine((cron, ctx) => {
  // Croner also takes ISO dates (one-shot runs); a schedule must be a repeating expression.
  if (!CRON.test(cron.trim())) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a cron expression of 5 or 6 fields, or @yearly, @monthly, @weekly, @daily or @hourly',
    });
    return;
  }
  try {
    if (cronTiming(cron, 'UTC').nextAfter(Date.now()) === null)
      ctx.addIssue({ code: 'custom', message: 'never fires' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid cron expression: ${(error as Error).message}` });
  }
});

const jobOptionsSchema = z.object({
  priority: z.number().int('must be an integer').optional(),
  maxAttempts: option.count().optional(),
  timeoutMs: option.positiveDurationMs().optional(),
  queue: option.name().optional(),
  backoff: backoffOption.optional(),
});

const definitionSchema = z
  .object({
    name: option.name(),
    cron: cronOption.optional(),
    intervalMs: z
      .number()
      .int('must be a whole number of ms, at least 1000')
      .min(1000, 'must be a whole number of ms, at least 1000')
      .optional(),
    timezone: z
      .string('must be an IANA timezone')
      .refine((timezone) => canonicalTimezone(timezone) !== undefined, {
        error: (issue) => `is not an IANA timezone: ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    handler: option.fn<(ctx: JobContext) => Promise<unknown>>().optional(),
    job: z.custom<JobType>(isJobType, 'must be a job type (defineJob)').optional(),
    payload: z.unknown().optional(),
    overlap: z.enum(['skip', 'allow'], 'must be skip or allow').optional(),
    missed: z.enum(['skip', 'once', 'all'], 'must be skip, once or all').optional(),
    catchUpWindowMs: option.durationMs().optional(),
    graceMs: option.durationMs().optional(),
    runOnStart: z.boolean('must be true or false').optional(),
    jobOptions: jobOptionsSchema.optional(),
  })
  // Checks across fields; they also run when a field is bad, so one error lists every problem.
  .superRefine(
    (input, ctx) => {
      if (typeof input !== 'object' || input === null) return;
      const d = input as Record<string, unknown>;
      if ((d.cron === undefined) === (d.intervalMs === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'set exactly one of cron and intervalMs' });
      }
      if ((d.handler === undefined) === (d.job === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'set exactly one of handler and job (with its payload)' });
      } else if (d.handler !== undefined && d.payload !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['payload'],
          message: 'is for a schedule of a job type (job), not one with a handler',
        });
      } else if (isJobType(d.job)) {
        checkPayload(d.job, d.payload, ctx);
      }
    },
    { when: () => true },
  );

function checkPayload(job: JobType, payload: unknown, ctx: z.core.$RefinementCtx): void {
  try {
    job.parse(payload);
  } catch (error) {
    const fields = error instanceof ValidationError ? error.errors : [];
    if (fields.length === 0) ctx.addIssue({ code: 'custom', path: ['payload'], message: (error as Error).message });
    for (const field of fields) {
      ctx.addIssue({
        code: 'custom',
        path: field.path ? ['payload', field.path] : ['payload'],
        message: field.message,
      });
    }
  }
}

/**
 * Declares a schedule, in one of two forms. With `handler`, the schedule is its own work: it creates
 * and owns a job type named after it (no payload; the handler gets the job's context), which the
 * scheduler registers on its queue. With `job` and `payload`, each tick enqueues that job type.
 * Everything is checked at once (cron, timezone, interval, policies, job options, payload): bad
 * declarations throw one {@link UsageError} listing every problem.
 *
 * @example
 * ```ts
 * const purgeSessions = defineSchedule({
 *   name: 'purge-sessions',
 *   cron: '@hourly',
 *   handler: async (ctx) => {
 *     await ctx.store.db.deleteFrom('sessions').where('expires_at', '<', Date.now()).execute();
 *   },
 * });
 * const nightlyBackup = defineSchedule({
 *   name: 'nightly-backup', cron: '0 3 * * *', timezone: 'Europe/Paris', job: backupJob, payload: { prune: true },
 * });
 * const scheduler = createScheduler({ store, jobs, schedules: [purgeSessions, nightlyBackup] });
 * ```
 */
export function defineSchedule<DB = unknown>(definition: HandlerScheduleDefinition<DB>): Schedule;
export function defineSchedule<I>(definition: JobScheduleDefinition<I>): Schedule;
export function defineSchedule(definition: ScheduleDefinition): Schedule {
  const named = typeof definition?.name === 'string' ? `defineSchedule(${JSON.stringify(definition.name)})` : '';
  const d = checkOptions(named || 'defineSchedule', definitionSchema, definition);
  const timezone = canonicalTimezone(d.timezone ?? 'UTC')!;
  const timing = d.cron !== undefined ? cronTiming(d.cron, timezone) : intervalTiming(d.intervalMs!);
  const spec = JSON.stringify(
    d.cron !== undefined ? { cron: d.cron, timezone } : { intervalMs: d.intervalMs, timezone },
  );
  const jobOptions: ScheduledJobOptions = { ...d.jobOptions };
  const handler = d.handler;
  const jobType = handler
    ? defineJob({
        name: d.name,
        payload: z.object({}),
        handler: (_payload, ctx) => handler(ctx),
        ...jobOptions,
      })
    : undefined;
  const schedule: Schedule = Object.freeze({
    name: d.name,
    cron: d.cron,
    intervalMs: d.intervalMs,
    timezone,
    job: (jobType ?? d.job) as JobType,
    jobType: jobType as JobType | undefined,
    payload: jobType ? {} : d.payload,
    overlap: d.overlap ?? 'skip',
    missed: d.missed ?? 'skip',
    catchUpWindowMs: d.catchUpWindowMs ?? 86_400_000,
    graceMs: d.graceMs ?? 60_000,
    runOnStart: d.runOnStart ?? false,
    jobOptions: Object.freeze(jobOptions),
    nextRun(after: Date) {
      const next = timing.nextAfter(after.getTime());
      return next === null ? null : new Date(next);
    },
  });
  internals.set(schedule, { timing, spec });
  return schedule;
}
