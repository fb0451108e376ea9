import { z } from 'zod';
import { checkOptions, duplicateNames, option } from '../config/index.js';
import { JobQueue } from '../jobs/index.js';
import { Store } from '../store/index.js';
import { isSchedule, type Schedule } from './define-schedule.js';

/**
 * Options of {@link createScheduler}.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler({ store, jobs, schedules: [nightlyBackup, cleanup], pollIntervalMs: 5000 });
 * ```
 */
export interface SchedulerOptions<DB> {
  /** The store whose database holds the schedules (its tables are created at start). */
  store: Store<DB>;
  /** The job queue each tick enqueues into; the schedules' own job types are registered on it. */
  jobs: JobQueue<DB>;
  /**
   * The schedules, from {@link defineSchedule}; names must be unique. More can be added with
   * {@link Scheduler.add} before start. Stored ones not declared stop and are removed at start. Default: none.
   */
  schedules?: readonly Schedule[];
  /** Component name. Default: `scheduler`. */
  name?: string;
  /** How often pause/resume from other instances and run outcomes are picked up, besides each tick. Default: 1000 ms. */
  pollIntervalMs?: number;
  /** How long finished runs are kept in the run history. Default: 604800000 ms (7 days). */
  runRetentionMs?: number;
  /** The clock ticks are planned by (tests move it to simulate downtime). Default: `() => new Date()`. */
  now?: () => Date;
}

/** The options with every default applied (the schedules are kept apart: more can be added before start). */
export interface ResolvedSchedulerOptions {
  name: string;
  schedules: readonly Schedule[];
  pollIntervalMs: number;
  runRetentionMs: number;
  now: () => number;
}

const schedulerOptionsSchema = z.object({
  store: option.instance(Store, 'a store (createStore)'),
  jobs: option.instance(JobQueue, 'a job queue (createJobQueue)'),
  schedules: z
    .array(z.custom<Schedule>(isSchedule, 'must be a schedule (defineSchedule)'), 'must be an array of schedules')
    .superRefine((schedules, ctx) => {
      const twice = duplicateNames(schedules);
      if (twice.length > 0) ctx.addIssue({ code: 'custom', message: `name two schedules ${twice.join(', ')}` });
    })
    .optional(),
  name: option.name().optional(),
  pollIntervalMs: option.positiveDurationMs().optional(),
  runRetentionMs: option.positiveDurationMs().optional(),
  now: option.fn<() => Date>().optional(),
});

/** Checks the options (a UsageError lists every problem) and applies the defaults. */
export function resolveSchedulerOptions<DB>(options: SchedulerOptions<DB>): ResolvedSchedulerOptions {
  const checked = checkOptions('createScheduler', schedulerOptionsSchema, options);
  const clock = checked.now;
  return {
    name: checked.name ?? 'scheduler',
    schedules: checked.schedules ?? [],
    pollIntervalMs: checked.pollIntervalMs ?? 1000,
    runRetentionMs: checked.runRetentionMs ?? 604_800_000,
    now: clock ? () => clock().getTime() : () => Date.now(),
  };
}
