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

// 12 parameters a row: 1000 rows stay far under SQLite's 32766 parameters.
const ROWS_PER_STATEMENT = 1000;

/**
 * Inserts jobs in multi-row statements; a row whose dedupe key is taken by an unfinished job is skipped.
 * On PostgreSQL the same statement notifies the workers (delivered at commit). Returns the ids inserted.
 */
export async function insertJobs(target: SqlTarget, jobs: readonly NewJob[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  const [statement, size] =
    target.dialect === 'postgres' ? [insertOnPostgres, PG_ROWS_PER_STATEMENT] : [insertOnSqlite, ROWS_PER_STATEMENT];
  for (const part of chunk(jobs, size)) {
    for (const id of await statement(target.db, part)) inserted.add(String(id));
  }
  return inserted;
}

const COLUMNS = sql`(id, queue, type, state, payload, priority, run_at, attempts, max_attempts, backoff, timeout_ms, dedupe_key, created_at)`;

async function insertOnSqlite(db: SqlTarget['db'], part: readonly NewJob[]): Promise<string[]> {
  const values = sql.join(
    part.map(
      (j) =>
        sql`(${j.id}, ${j.queue}, ${j.type}, 'waiting', ${j.payload}, ${j.priority}, ${j.run_at}, 0, ${j.max_attempts}, ${j.backoff}, ${j.timeout_ms}, ${j.dedupe_key}, ${j.created_at})`,
    ),
  );
  const { rows } = await sql<{ id: string }>`
    insert into keel_job ${COLUMNS} values ${values} on conflict do nothing returning id`.execute(db);
  return rows.map((r) => r.id);
}

// One array per column, not one parameter per value: thousands of rows bind and plan as one small statement.
const PG_ROWS_PER_STATEMENT = 5000;

async function insertOnPostgres(db: SqlTarget['db'], part: readonly NewJob[]): Promise<string[]> {
  const column = <K extends keyof NewJob>(key: K): NewJob[K][] => part.map((j) => j[key]);
  const rows = sql`select id, queue, type, 'waiting', payload, priority, run_at, 0, max_attempts, backoff, timeout_ms, dedupe_key, created_at
    from unnest(${column('id')}::uuid[], ${column('queue')}::text[], ${column('type')}::text[], ${column('payload')}::text[],
      ${column('priority')}::int[], ${column('run_at')}::bigint[], ${column('max_attempts')}::int[], ${column('backoff')}::text[],
      ${column('timeout_ms')}::int[], ${column('dedupe_key')}::text[], ${column('created_at')}::bigint[])
      as j(id, queue, type, payload, priority, run_at, max_attempts, backoff, timeout_ms, dedupe_key, created_at)`;
  // The scalar subquery makes the notify CTE run once, for each distinct queue that got a job.
  const { rows: ids } = await sql<{ id: string }>`
    with inserted as (insert into keel_job ${COLUMNS} ${rows} on conflict do nothing returning id, queue),
      notified as (select pg_notify(${NOTIFY_CHANNEL}, queue) from (select distinct queue from inserted) q)
    select id from inserted where (select count(*) from notified) >= 0`.execute(db);
  return ids.map((r) => r.id);
}
