import type { JobQueue } from '../jobs/index.js';
import { internalsOf, type Schedule } from './define-schedule.js';
import { enqueueRun, skipRun } from './enqueue-run.js';
import { planTicks } from './plan.js';
import { hasUnfinishedRun } from './run-rows.js';
import { advanceSchedule, lockSchedule, type ScheduleDb } from './schedule-rows.js';

/** What handling a schedule's due ticks did. */
export interface DueOutcome {
  enqueued: number;
  /** Ticks recorded as skipped because the previous run was unfinished (`overlap: 'skip'`). */
  skipped: number;
  /** Missed ticks dropped by the missed-tick policy. */
  dropped: number;
}

/**
 * Handles a schedule's ticks due by `now` in one transaction holding the schedule's row: plans them
 * from the stored last tick, enqueues or skips each, and moves the last tick forward. Instances racing
 * for the same tick queue on the row lock; the later one finds nothing left to do.
 */
export function processDue<DB>(
  db: ScheduleDb,
  jobs: JobQueue<DB>,
  schedule: Schedule,
  now: number,
): Promise<DueOutcome | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await lockSchedule(trx, schedule.name, now);
    if (!row || row.paused) return undefined;
    const plan = planTicks({ ...schedule, timing: internalsOf(schedule).timing }, row.lastTickAt, now);
    if (!plan) return undefined;
    const busy = schedule.overlap === 'skip' && (await hasUnfinishedRun(trx, schedule.name));
    let enqueued = 0;
    let skipped = 0;
    for (const { plannedAt, kind } of plan.runs) {
      const run = { runKey: `tick:${plannedAt}`, kind, plannedAt };
      if (busy) skipped += (await skipRun(trx, schedule, run, now)) ? 1 : 0;
      else enqueued += (await enqueueRun(trx, jobs, schedule, run, now)) ? 1 : 0;
    }
    await advanceSchedule(trx, schedule.name, { lastTickAt: plan.lastTickAt, addedRuns: enqueued }, now);
    return { enqueued, skipped, dropped: plan.dropped };
  });
}
