import type { Transaction } from 'kysely';
import type { JobQueue } from '../jobs/index.js';
import type { Schedule } from './define-schedule.js';
import { insertRun, setRunJob } from './run-rows.js';
import type { ScheduleDb } from './schedule-rows.js';

/** One run to add: its key (unique per schedule), kind and planned time. */
export interface NewRun {
  runKey: string;
  kind: 'tick' | 'catch-up' | 'trigger' | 'start';
  plannedAt: number;
}

/**
 * In the caller's transaction, records the run and enqueues its job (both or neither). Returns the
 * job's id, or `undefined` when a run with this key already exists (another instance handled it).
 */
export async function enqueueRun<DB>(
  trx: ScheduleDb,
  jobs: JobQueue<DB>,
  schedule: Schedule,
  run: NewRun,
  now: number,
): Promise<string | undefined> {
  const inserted = await insertRun(trx, { ...run, schedule: schedule.name, status: 'waiting', now });
  if (!inserted) return undefined;
  const { id } = await jobs.enqueue(schedule.job, schedule.payload, {
    ...schedule.jobOptions,
    dedupeKey: `keel-schedule:${schedule.name}:${run.runKey}`,
    transaction: trx as unknown as Transaction<DB>,
  });
  await setRunJob(trx, schedule.name, run.runKey, id);
  return id;
}

/** Records a tick skipped because the previous run is unfinished; `true` when this instance recorded it. */
export function skipRun(trx: ScheduleDb, schedule: Schedule, run: NewRun, now: number): Promise<boolean> {
  return insertRun(trx, { ...run, schedule: schedule.name, status: 'skipped', now });
}
