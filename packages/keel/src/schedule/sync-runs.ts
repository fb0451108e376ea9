import type { JobQueue } from '../jobs/index.js';
import type { ScheduleMetrics } from './metrics.js';
import { type StoredRun, unfinishedRuns, updateRun } from './run-rows.js';
import type { ScheduleDb } from './schedule-rows.js';

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Copies the state of unfinished runs' jobs onto the runs; the instance whose update lands counts the
 * outcome and the lag. A job no longer stored was completed and deleted by the queue's retention.
 */
export async function syncRuns<DB>(
  db: ScheduleDb,
  jobs: JobQueue<DB>,
  schedules: readonly string[],
  metrics: ScheduleMetrics,
): Promise<void> {
  for (const run of await unfinishedRuns(db, schedules)) {
    if (run.jobId === null) continue;
    const job = await jobs.get(run.jobId);
    const next = job
      ? {
          status: job.state as string,
          startedAt: job.startedAt?.getTime() ?? null,
          finishedAt: job.finishedAt?.getTime() ?? null,
          error: job.state === 'failed' ? (job.errors.at(-1)?.message ?? 'failed') : null,
        }
      : // Job times come from the real clock: so does the (approximate) end of a job already deleted.
        { status: 'completed', startedAt: run.startedAt, finishedAt: Date.now(), error: null };
    if (unchanged(run, next)) continue;
    if (!(await updateRun(db, run, next))) continue;
    if (run.startedAt === null && next.startedAt !== null) {
      metrics.lag.observe({ schedule: run.schedule }, Math.max(0, next.startedAt - run.plannedAt) / 1000);
    }
    if (FINAL.has(next.status)) metrics.runs.inc({ schedule: run.schedule, outcome: next.status });
  }
}

function unchanged(run: StoredRun, next: { status: string; startedAt: number | null }): boolean {
  return run.status === next.status && run.startedAt === next.startedAt;
}
