import { sql } from 'kysely';
import { chunk } from '../../store/index.js';
import type { SqlTarget } from './db.js';

/**
 * Gives jobs this worker abandons (shutdown) back to the queue at once, due now in their old place,
 * without counting the cut attempt. Returns how many were released.
 */
export async function releaseJobs({ db }: SqlTarget, ids: readonly string[], workerId: string): Promise<number> {
  let released = 0;
  for (const part of chunk(ids, 1000)) {
    const result = await sql`
      update keel_job set state = 'waiting', locked_by = null, locked_until = null,
        attempts = case when attempts > 0 then attempts - 1 else 0 end
      where id in (${sql.join(part)}) and locked_by = ${workerId} and state = 'running'`.execute(db);
    released += Number(result.numAffectedRows ?? 0n);
  }
  return released;
}
