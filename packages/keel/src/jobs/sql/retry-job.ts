import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** Puts a failed or cancelled job back to `waiting`, due now, with its attempts reset; true if it was. */
export async function retryJob({ db }: SqlTarget, id: string, now: number): Promise<{ queue: string } | undefined> {
  const { rows } = await sql<{ queue: string }>`
    update keel_job set state = 'waiting', attempts = 0, run_at = ${now}, finished_at = null
    where id = ${id} and state in ('failed', 'cancelled')
    returning queue`.execute(db);
  return rows[0];
}
