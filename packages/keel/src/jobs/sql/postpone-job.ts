import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** A running attempt the store's outage cut short, to run again at `runAt`. */
export interface Postponement {
  id: string;
  workerId: string;
  runAt: number;
}

/**
 * Puts a job whose attempt failed on a store outage back to `waiting` at `runAt`, giving the attempt
 * back (the claim counted it) and recording no error: the job did nothing wrong. False if the lease was lost.
 */
export async function postponeJob({ db }: SqlTarget, { id, workerId, runAt }: Postponement): Promise<boolean> {
  const result = await sql`
    update keel_job set state = 'waiting', run_at = ${runAt}, finished_at = null, locked_by = null,
      locked_until = null, attempts = case when attempts > 0 then attempts - 1 else 0 end
    where id = ${id} and locked_by = ${workerId} and state = 'running'`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}
