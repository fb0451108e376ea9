import { internalsOf, type Schedule } from './define-schedule.js';
import { latestRun, type StoredRun } from './run-rows.js';
import type { ScheduleDb, StoredSchedule } from './schedule-rows.js';

/**
 * Where a run is: its job's state, or `skipped` for a tick skipped while the previous run was unfinished.
 *
 * @example
 * ```ts
 * const done = (status: ScheduleRunStatus) => status === 'completed' || status === 'failed';
 * ```
 */
export type ScheduleRunStatus = 'waiting' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';

/**
 * The latest run of a schedule that enqueued a job.
 *
 * @example
 * ```ts
 * const last: LastRun | null = (await scheduler.status()).schedules[0]!.lastRun;
 * ```
 */
export interface LastRun {
  /** When its job's latest attempt started (ISO 8601), or `null` (not yet, or unknown once the job is deleted). */
  startedAt: string | null;
  /** When it finished (ISO 8601), or `null`. */
  finishedAt: string | null;
  status: ScheduleRunStatus;
  /** The last attempt's error message, when it failed. */
  error?: string;
  /** `finishedAt - startedAt`, or `null` while either is unknown. */
  durationMs: number | null;
}

/**
 * One schedule in {@link SchedulerStatus}; exactly one of `cron` and `intervalMs` is set.
 *
 * @example
 * ```ts
 * const paused = status.schedules.filter((s: ScheduleStatus) => s.paused).map((s) => s.name);
 * ```
 */
export interface ScheduleStatus {
  name: string;
  cron?: string;
  intervalMs?: number;
  timezone: string;
  paused: boolean;
  /** The next tick (ISO 8601), or `null` while paused or when the expression never fires again. */
  nextRunAt: string | null;
  lastRun: LastRun | null;
  /** Runs enqueued so far: ticks, catch-ups, triggers and start runs. */
  runCount: number;
}

/**
 * What {@link Scheduler.status} and `GET /admin/schedules` answer.
 *
 * @example
 * ```ts
 * const { running, schedules }: SchedulerStatus = await scheduler.status();
 * ```
 */
export interface SchedulerStatus {
  /** This instance's scheduler is started and not stopping. */
  running: boolean;
  schedules: ScheduleStatus[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The latest run, as the status shows it. */
export function toLastRun(run: StoredRun): LastRun {
  return {
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    status: run.status as ScheduleRunStatus,
    ...(run.error === null ? {} : { error: run.error }),
    durationMs: run.startedAt !== null && run.finishedAt !== null ? run.finishedAt - run.startedAt : null,
  };
}

/** One schedule's status from its declaration and stored state. */
export async function scheduleStatus(
  db: ScheduleDb,
  schedule: Schedule,
  stored: StoredSchedule | undefined,
  now: number,
): Promise<ScheduleStatus> {
  const paused = stored?.paused ?? false;
  const next = paused ? null : internalsOf(schedule).timing.nextAfter(Math.max(now, stored?.lastTickAt ?? now));
  const last = await latestRun(db, schedule.name);
  return {
    name: schedule.name,
    ...(schedule.cron === undefined ? { intervalMs: schedule.intervalMs! } : { cron: schedule.cron }),
    timezone: schedule.timezone,
    paused,
    nextRunAt: iso(next),
    lastRun: last ? toLastRun(last) : null,
    runCount: stored?.runCount ?? 0,
  };
}
