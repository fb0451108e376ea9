import type { ScheduleDb } from './schedule-rows.js';
import type { RunRow } from './schema.js';

/** Run states that still count as "the previous run is unfinished". */
export const unfinishedStatuses = ['waiting', 'running'] as const;

/** A run as the scheduler reads it. */
export interface StoredRun {
  schedule: string;
  runKey: string;
  kind: string;
  plannedAt: number;
  status: string;
  jobId: string | null;
  enqueuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
}

const orNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toRun(row: RunRow): StoredRun {
  return {
    schedule: row.schedule,
    runKey: row.run_key,
    kind: row.kind,
    plannedAt: Number(row.planned_at),
    status: row.status,
    jobId: row.job_id,
    enqueuedAt: Number(row.enqueued_at),
    startedAt: orNull(row.started_at),
    finishedAt: orNull(row.finished_at),
    error: row.error,
  };
}

/** Inserts a run unless one with its key exists; `true` when inserted (this transaction owns the tick). */
export async function insertRun(
  trx: ScheduleDb,
  run: { schedule: string; runKey: string; kind: string; plannedAt: number; status: string; now: number },
): Promise<boolean> {
  const result = await trx
    .insertInto('keel_schedule_run')
    .values({
      schedule: run.schedule,
      run_key: run.runKey,
      kind: run.kind,
      planned_at: run.plannedAt,
      status: run.status,
      enqueued_at: run.now,
    })
    .onConflict((oc) => oc.columns(['schedule', 'run_key']).doNothing())
    .returning('run_key')
    .executeTakeFirst();
  return result !== undefined;
}

/** Links a run to the job enqueued for it. */
export async function setRunJob(trx: ScheduleDb, schedule: string, runKey: string, jobId: string): Promise<void> {
  await trx
    .updateTable('keel_schedule_run')
    .set({ job_id: jobId })
    .where('schedule', '=', schedule)
    .where('run_key', '=', runKey)
    .execute();
}

/** Whether a schedule has a run still waiting or running (as last synced). */
export async function hasUnfinishedRun(db: ScheduleDb, schedule: string): Promise<boolean> {
  const row = await db
    .selectFrom('keel_schedule_run')
    .select('run_key')
    .where('schedule', '=', schedule)
    .where('status', 'in', unfinishedStatuses)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Runs still waiting or running, of the given schedules. */
export async function unfinishedRuns(db: ScheduleDb, schedules: readonly string[]): Promise<StoredRun[]> {
  if (schedules.length === 0) return [];
  const rows = await db
    .selectFrom('keel_schedule_run')
    .selectAll()
    .where('schedule', 'in', schedules)
    .where('status', 'in', unfinishedStatuses)
    .execute();
  return rows.map(toRun);
}

/**
 * Moves a run from `fromStatus` to what its job says; `false` when another instance got there first
 * (so each outcome is counted once across instances).
 */
export async function updateRun(
  db: ScheduleDb,
  run: StoredRun,
  changes: { status: string; startedAt: number | null; finishedAt: number | null; error: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('keel_schedule_run')
    .set({
      status: changes.status,
      started_at: changes.startedAt,
      finished_at: changes.finishedAt,
      error: changes.error,
    })
    .where('schedule', '=', run.schedule)
    .where('run_key', '=', run.runKey)
    .where('status', '=', run.status)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The latest run of a schedule that enqueued a job (skipped ticks left out), if any. */
export async function latestRun(db: ScheduleDb, schedule: string): Promise<StoredRun | undefined> {
  const row = await db
    .selectFrom('keel_schedule_run')
    .selectAll()
    .where('schedule', '=', schedule)
    .where('job_id', 'is not', null)
    .orderBy('enqueued_at', 'desc')
    .orderBy('planned_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/** Every run of a schedule, or its latest `limit`, oldest first. */
export async function listRuns(db: ScheduleDb, schedule: string, limit?: number): Promise<StoredRun[]> {
  if (limit === undefined) {
    const rows = await db
      .selectFrom('keel_schedule_run')
      .selectAll()
      .where('schedule', '=', schedule)
      .orderBy('planned_at')
      .orderBy('run_key')
      .execute();
    return rows.map(toRun);
  }
  const rows = await db
    .selectFrom('keel_schedule_run')
    .selectAll()
    .where('schedule', '=', schedule)
    .orderBy('planned_at', 'desc')
    .orderBy('run_key', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toRun).reverse();
}

/** Deletes finished runs enqueued before `before`; the schedule's last tick, not these rows, keeps old ticks from running again. */
export async function pruneRuns(db: ScheduleDb, before: number): Promise<number> {
  const result = await db
    .deleteFrom('keel_schedule_run')
    .where('enqueued_at', '<', before)
    .where('status', 'not in', unfinishedStatuses)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
