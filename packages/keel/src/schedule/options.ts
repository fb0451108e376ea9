import { type FieldError, ValidationError } from '../errors/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { Store } from '../store/index.js';
import type { Schedule } from './define-schedule.js';

/**
 * Options of {@link createScheduler}.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({ store, jobs, schedules: [nightlyBackup, cleanup] });
 * ```
 */
export interface SchedulerOptions<DB> {
  /** The store whose database holds the schedules (its tables are created at start). */
  store: Store<DB>;
  /** The job queue each tick enqueues into. */
  jobs: JobQueue<DB>;
  /** The schedules, from {@link defineSchedule}; names must be unique. Stored ones not listed stop and are removed at start. */
  schedules: readonly Schedule[];
  /** Component name. Default: `scheduler`. */
  name?: string;
  /** How often pause/resume from other instances and run outcomes are picked up, besides each tick. Default: 1000 ms. */
  pollIntervalMs?: number;
  /** How long finished runs are kept in the run history. Default: 604800000 ms (7 days). */
  runRetentionMs?: number;
  /** The clock ticks are planned by (tests move it to simulate downtime). Default: `() => new Date()`. */
  now?: () => Date;
}

/** The options with every default applied. */
export interface ResolvedSchedulerOptions {
  name: string;
  schedules: Map<string, Schedule>;
  pollIntervalMs: number;
  runRetentionMs: number;
  now: () => number;
}

/** Validates the options (one ValidationError listing every problem) and applies the defaults. */
export function resolveSchedulerOptions<DB>(options: SchedulerOptions<DB>): ResolvedSchedulerOptions {
  const problems: Omit<FieldError, 'location'>[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  if (typeof options?.store !== 'object' || options.store === null) add('store', 'is required');
  if (typeof options?.jobs?.enqueue !== 'function') add('jobs', 'must be a job queue (createJobQueue)');
  const schedules = Array.isArray(options?.schedules) ? options.schedules : [];
  if (!Array.isArray(options?.schedules)) add('schedules', 'must be an array of schedules');
  const byName = new Map<string, Schedule>();
  schedules.forEach((schedule, index) => {
    if (typeof schedule?.timing?.nextAfter !== 'function') add(`schedules.${index}`, 'must come from defineSchedule');
    else if (byName.has(schedule.name)) add(`schedules.${index}.name`, `duplicates the schedule "${schedule.name}"`);
    else byName.set(schedule.name, schedule);
  });
  for (const key of ['pollIntervalMs', 'runRetentionMs'] as const) {
    const value = options?.[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) add(key, 'must be a positive integer');
  }
  if (options?.now !== undefined && typeof options.now !== 'function')
    add('now', 'must be a function returning a Date');
  if (options?.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) {
    add('name', 'must be a non-empty string');
  }
  if (problems.length > 0) throw new ValidationError(problems.map((p) => ({ location: 'options', ...p })));
  const clock = options.now;
  return {
    name: options.name ?? 'scheduler',
    schedules: byName,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    runRetentionMs: options.runRetentionMs ?? 604_800_000,
    now: clock ? () => clock().getTime() : () => Date.now(),
  };
}
