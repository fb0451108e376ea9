import { sql } from 'kysely';
import type { JobRef } from '../types.js';
import { refCondition, type SqlTarget } from './db.js';

/** Moves a waiting job to `runAt`; returns its id and queue, or `undefined` when no waiting job matched. */
export async function rescheduleJob(
  { db }: SqlTarget,
  ref: JobRef,
  runAt: number,
): Promise<{ id: string; queue: string } | undefined> {
  const { rows } = await sql<{ id: string; queue: string }>`
    update keel_job set run_at = ${runAt}
    where ${refCondition(ref)} and state = 'waiting'
    returning id, queue`.execute(db);
  const row = rows[0];
  return row ? { id: String(row.id), queue: row.queue } : undefined;
}
