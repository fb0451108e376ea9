import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** A job whose worker stopped renewing its lease. */
export interface RecoveredRow {
  id: string;
  queue: string;
  type: string;
  state: 'waiting' | 'failed';
}

/**
 * Returns running jobs whose lease expired (their worker died) to `waiting`, due at once, or to
 * `failed` when that was their last attempt; the lost attempt's error is recorded.
 */
export async function recoverExpired({ db, dialect }: SqlTarget, now: number): Promise<RecoveredRow[]> {
  const at = new Date(now).toISOString();
  const message = 'The lease expired: the worker stopped (crash or kill) or lost the database';
  const error =
    dialect === 'postgres'
      ? sql`(errors::jsonb || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', ${at}::text, 'name', 'LeaseExpiredError', 'message', ${message}::text, 'worker', locked_by)))::text`
      : sql`json_insert(errors, '$[#]', json_object('attempt', attempts, 'at', ${at}, 'name', 'LeaseExpiredError', 'message', ${message}, 'worker', locked_by))`;
  const exhausted = sql`attempts >= max_attempts`;
  const { rows } = await sql<RecoveredRow>`
    update keel_job set
      state = case when ${exhausted} then 'failed' else 'waiting' end,
      finished_at = case when ${exhausted} then cast(${now} as bigint) else null end,
      errors = ${error}, locked_by = null, locked_until = null
    where state = 'running' and locked_until < ${now}
    returning id, queue, type, state`.execute(db);
  return rows;
}
