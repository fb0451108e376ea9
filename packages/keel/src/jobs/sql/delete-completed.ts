import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** Deletes completed jobs that finished before `before`, at most `limit` per call; returns how many. */
export async function deleteCompleted({ db }: SqlTarget, before: number, limit = 5000): Promise<number> {
  const result = await sql`
    delete from keel_job where id in (
      select id from keel_job where state = 'completed' and finished_at < ${before} limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
