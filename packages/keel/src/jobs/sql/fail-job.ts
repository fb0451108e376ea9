import { sql } from 'kysely';
import { appendError, type SqlTarget } from './db.js';

/** What becomes of a job after a failed attempt. */
export interface FailOutcome {
  id: string;
  workerId: string;
  /** The attempt's error (JSON of a JobAttemptError). */
  error: string;
  /** `null`: no attempt left, the job stays failed; otherwise when to try again. */
  retryAt: number | null;
  now: number;
}

/** Records a failed attempt: back to `waiting` at `retryAt`, or `failed` for good. False if the lease was lost. */
export async function failJob({ db, dialect }: SqlTarget, outcome: FailOutcome): Promise<boolean> {
  const { id, workerId, error, retryAt, now } = outcome;
  const next =
    retryAt === null
      ? sql`state = 'failed', finished_at = ${now}`
      : sql`state = 'waiting', run_at = ${retryAt}, finished_at = null`;
  const result = await sql`
    update keel_job set ${next}, locked_by = null, locked_until = null, errors = ${appendError(dialect, error)}
    where id = ${id} and locked_by = ${workerId} and state = 'running'`.execute(db);
  return Number(result.numAffectedRows ?? 0n) > 0;
}
