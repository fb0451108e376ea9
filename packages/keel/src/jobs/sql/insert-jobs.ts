import { sql } from 'kysely';
import { chunk } from '../../store/index.js';
import { NOTIFY_CHANNEL, type SqlTarget } from './db.js';

/** A job about to be stored. */
export interface NewJob {
  id: string;
  queue: string;
  type: string;
  payload: string;
  priority: number;
  run_at: number;
  max_attempts: number;
  backoff: string | null;
  timeout_ms: number | null;
  dedupe_key: string | null;
  created_at: number;
}

// 12 parameters a row: 1000 rows stay far under SQLite's 32766 and PostgreSQL's 65535 parameters.
const ROWS_PER_STATEMENT = 1000;

/**
 * Inserts jobs in multi-row statements; a row whose dedupe key is taken by an unfinished job is skipped.
 * On PostgreSQL the same statement notifies the workers (delivered at commit). Returns the ids inserted.
 */
export async function insertJobs({ db, dialect }: SqlTarget, jobs: readonly NewJob[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const part of chunk(jobs, ROWS_PER_STATEMENT)) {
    const values = sql.join(
      part.map(
        (j) =>
          sql`(${j.id}, ${j.queue}, ${j.type}, 'waiting', ${j.payload}, ${j.priority}, ${j.run_at}, 0, ${j.max_attempts}, ${j.backoff}, ${j.timeout_ms}, ${j.dedupe_key}, ${j.created_at})`,
      ),
    );
    const insert = sql`insert into keel_job (id, queue, type, state, payload, priority, run_at, attempts, max_attempts, backoff, timeout_ms, dedupe_key, created_at) values ${values} on conflict do nothing returning id, queue`;
    const query =
      dialect === 'postgres'
        ? // The scalar subquery makes the notify CTE run once, for each distinct queue that got a job.
          sql<{
            id: string;
          }>`with inserted as (${insert}), notified as (select pg_notify(${NOTIFY_CHANNEL}, queue) from (select distinct queue from inserted) q) select id from inserted where (select count(*) from notified) >= 0`
        : sql<{ id: string }>`${insert}`;
    const { rows } = await query.execute(db);
    for (const row of rows) inserted.add(String(row.id));
  }
  return inserted;
}
