import type { FieldError } from '../errors/index.js';
import { ValidationError } from '../errors/index.js';
import type { JobType } from '../jobs/index.js';
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
 * Options of the jobs a schedule enqueues; unset ones fall back to the job type's, then the queue's.
 *
 * @example
 * ```ts
 * const options: ScheduledJobOptions = { maxAttempts: 3, timeoutMs: 600_000 };
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
}

/**
 * A schedule's declaration, given to {@link defineSchedule}. Set exactly one of `cron` and `intervalMs`.
 *
 * @example
 * ```ts
 * const definition: ScheduleDefinition<{ keep: number }> = {
 *   name: 'nightly-backup', cron: '0 3 * * *', timezone: 'Europe/Paris', job: backupJob, payload: { keep: 7 },
 * };
 * ```
 */
export interface ScheduleDefinition<I> {
  /** Unique among a scheduler's schedules: 1-128 letters, digits or `._:-`. */
  name: string;
  /** A croner expression: 5 fields, or 6 with leading seconds, or `@yearly|@monthly|@weekly|@daily|@hourly`. Default: none. */
  cron?: string;
  /** A fixed interval of at least 1000 ms, ticking on multiples of it since the Unix epoch. Default: none. */
  intervalMs?: number;
  /** The IANA timezone `cron` is read in. Default: `UTC`. */
  timezone?: string;
  /** The job type each tick enqueues (it must be among the job queue's types to run). */
  job: JobType<I, unknown, unknown>;
  /** The payload of every enqueued job, validated by `job` at declaration. */
  payload: I;
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
 * A validated schedule, ready for {@link createScheduler}.
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
  readonly job: JobType;
  readonly payload: unknown;
  readonly overlap: OverlapPolicy;
  readonly missed: MissedPolicy;
  readonly catchUpWindowMs: number;
  readonly graceMs: number;
  readonly runOnStart: boolean;
  readonly jobOptions: ScheduledJobOptions;
  /** What decides the ticks, stored to notice a changed schedule: cron or interval, and timezone. */
  readonly spec: string;
  /** The first tick strictly after `after`, or `null` when the expression never fires again. */
  nextRun(after: Date): Date | null;
  /** @internal The tick arithmetic. */
  readonly timing: Timing;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CRON = /^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+(\s+\S+){4,5})$/i;
const OVERLAP: readonly string[] = ['skip', 'allow'];
const MISSED: readonly string[] = ['skip', 'once', 'all'];

/**
 * Declares a schedule: validates everything (cron, timezone, interval, policies, payload) and throws
 * one {@link ValidationError} listing every problem.
 *
 * @example
 * ```ts
 * const nightlyBackup = defineSchedule({
 *   name: 'nightly-backup',
 *   cron: '0 3 * * *',
 *   timezone: 'Europe/Paris',
 *   job: backupJob,
 *   payload: { prune: true },
 * });
 * ```
 */
export function defineSchedule<I>(definition: ScheduleDefinition<I>): Schedule {
  const problems: Omit<FieldError, 'location'>[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const d = definition ?? ({} as ScheduleDefinition<I>);
  if (typeof d.name !== 'string' || !NAME.test(d.name)) add('name', 'must be 1-128 letters, digits or ._:-');
  const timezone = canonicalTimezone(d.timezone ?? 'UTC');
  if (timezone === undefined) add('timezone', `is not an IANA timezone: ${JSON.stringify(d.timezone)}`);
  let timing: Timing | undefined;
  if ((d.cron === undefined) === (d.intervalMs === undefined)) {
    add('cron', 'set exactly one of cron and intervalMs');
  } else if (d.cron !== undefined) {
    timing = checkCron(d.cron, timezone ?? 'UTC', add);
  } else if (!Number.isSafeInteger(d.intervalMs) || (d.intervalMs as number) < 1000) {
    add('intervalMs', 'must be an integer of at least 1000 ms');
  } else {
    timing = intervalTiming(d.intervalMs as number);
  }
  if (d.overlap !== undefined && !OVERLAP.includes(d.overlap)) add('overlap', 'must be skip or allow');
  if (d.missed !== undefined && !MISSED.includes(d.missed)) add('missed', 'must be skip, once or all');
  checkDuration('catchUpWindowMs', d.catchUpWindowMs, add);
  checkDuration('graceMs', d.graceMs, add);
  if (d.runOnStart !== undefined && typeof d.runOnStart !== 'boolean') add('runOnStart', 'must be a boolean');
  checkJobOptions(d.jobOptions, add);
  if (typeof d.job?.parse !== 'function') add('job', 'must be a job type (defineJob)');
  else checkPayload(d.job, d.payload, add);
  if (problems.length > 0) throw new ValidationError(problems.map((p) => ({ location: 'options', ...p })));
  const resolvedTiming = timing!;
  const spec = JSON.stringify(
    d.cron !== undefined ? { cron: d.cron, timezone } : { intervalMs: d.intervalMs, timezone },
  );
  return {
    name: d.name,
    cron: d.cron,
    intervalMs: d.intervalMs,
    timezone: timezone!,
    job: d.job as JobType,
    payload: d.payload,
    overlap: d.overlap ?? 'skip',
    missed: d.missed ?? 'skip',
    catchUpWindowMs: d.catchUpWindowMs ?? 86_400_000,
    graceMs: d.graceMs ?? 60_000,
    runOnStart: d.runOnStart ?? false,
    jobOptions: { ...d.jobOptions },
    spec,
    timing: resolvedTiming,
    nextRun(after) {
      const next = resolvedTiming.nextAfter(after.getTime());
      return next === null ? null : new Date(next);
    },
  };
}

function canonicalTimezone(timezone: unknown): string | undefined {
  if (typeof timezone !== 'string' || timezone.length === 0) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function checkCron(cron: unknown, timezone: string, add: (path: string, message: string) => void): Timing | undefined {
  // Croner also takes ISO dates (one-shot runs); a schedule must be a repeating expression.
  if (typeof cron !== 'string' || !CRON.test(cron.trim())) {
    add('cron', 'must be a cron expression of 5 or 6 fields, or @yearly, @monthly, @weekly, @daily or @hourly');
    return undefined;
  }
  try {
    const timing = cronTiming(cron, timezone);
    if (timing.nextAfter(Date.now()) === null) add('cron', 'never fires');
    return timing;
  } catch (error) {
    add('cron', `is not a valid cron expression: ${(error as Error).message}`);
    return undefined;
  }
}

function checkDuration(path: string, value: unknown, add: (path: string, message: string) => void): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
    add(path, 'must be an integer number of ms ≥ 0');
  }
}

function checkJobOptions(options: ScheduledJobOptions | undefined, add: (path: string, message: string) => void): void {
  if (options === undefined) return;
  if (options.priority !== undefined && !Number.isSafeInteger(options.priority)) {
    add('jobOptions.priority', 'must be an integer');
  }
  for (const key of ['maxAttempts', 'timeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      add(`jobOptions.${key}`, 'must be a positive integer');
    }
  }
  if (options.queue !== undefined && !NAME.test(options.queue)) {
    add('jobOptions.queue', 'must be 1-128 letters, digits or ._:-');
  }
}

function checkPayload(job: JobType, payload: unknown, add: (path: string, message: string) => void): void {
  try {
    job.parse(payload);
  } catch (error) {
    const fields = error instanceof ValidationError ? error.errors : [];
    if (fields.length === 0) add('payload', (error as Error).message);
    for (const field of fields) add(field.path ? `payload.${field.path}` : 'payload', field.message);
  }
}
