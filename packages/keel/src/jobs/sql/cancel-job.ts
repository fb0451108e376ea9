import { sql } from 'kysely';
import type { JobRef } from '../types.js';
import { refCondition, type SqlTarget } from './db.js';

/** Cancels a waiting or running job; returns its id and former state, or `undefined` if none matched. */
export async function cancelJob(
  { db }: SqlTarget,
  ref: JobRef,
  now: number,
): Promise<{ id: string; queue: string } | undefined> {
  const { rows } = await sql<{ id: string; queue: string }>`
    update keel_job set state = 'cancelled', finished_at = ${now}, locked_by = null, locked_until = null
    where ${refCondition(ref)} and state in ('waiting', 'running')
    returning id, queue`.execute(db);
  const row = rows[0];
  return row ? { id: String(row.id), queue: row.queue } : undefined;
}
