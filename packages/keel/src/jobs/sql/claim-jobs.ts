import { sql } from 'kysely';
import type { SqlTarget } from './db.js';

/** A job a worker just claimed. */
export interface ClaimedRow {
  id: string;
  type: string;
  queue: string;
  payload: string;
  run_at: number | string;
  attempts: number;
  max_attempts: number;
  backoff: string | null;
  timeout_ms: number | null;
  priority: number;
}

/** What a claim asks for. */
export interface ClaimRequest {
  queue: string;
  /** Only types this worker has handlers for. */
  types: readonly string[];
  limit: number;
  workerId: string;
  now: number;
  leaseMs: number;
}

/**
 * Takes up to `limit` due jobs of a queue (highest priority, then earliest due, then oldest), marks them
 * running under this worker's lease and counts the attempt. PostgreSQL skips rows other workers are
 * claiming; SQLite's single writer makes the one statement atomic.
 */
export async function claimJobs({ db, dialect }: SqlTarget, request: ClaimRequest): Promise<ClaimedRow[]> {
  const { queue, types, limit, workerId, now, leaseMs } = request;
  if (types.length === 0 || limit < 1) return [];
  const due = sql`state = 'waiting' and queue = ${queue} and run_at <= ${now} and type in (${sql.join(types)})`;
  const order = sql`order by priority desc, run_at, id limit ${limit}`;
  const query =
    dialect === 'postgres'
      ? sql<ClaimedRow>`
        with picked as (select id from keel_job where ${due} ${order} for update skip locked)
        update keel_job j set state = 'running', attempts = j.attempts + 1, locked_by = ${workerId},
          locked_until = ${now + leaseMs}, started_at = ${now}
        from picked where j.id = picked.id
        returning j.id, j.type, j.queue, j.payload, j.run_at, j.attempts, j.max_attempts, j.backoff, j.timeout_ms, j.priority`
      : sql<ClaimedRow>`
        update keel_job set state = 'running', attempts = attempts + 1, locked_by = ${workerId},
          locked_until = ${now + leaseMs}, started_at = ${now}
        where id in (select id from keel_job where ${due} ${order})
        returning id, type, queue, payload, run_at, attempts, max_attempts, backoff, timeout_ms, priority`;
  const { rows } = await query.execute(db);
  // RETURNING follows no order: the claim's order is restored for the runner to start them in.
  return rows.sort(claimOrder);
}

function claimOrder(a: ClaimedRow, b: ClaimedRow): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const due = Number(a.run_at) - Number(b.run_at);
  if (due !== 0) return due;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
