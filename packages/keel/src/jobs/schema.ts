import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';
import type { StoreDialect } from '../store/index.js';

/** The `keel_job` row as stored (times in epoch ms; PostgreSQL returns bigints as strings). */
export interface JobRow {
  id: string;
  queue: string;
  type: string;
  state: string;
  payload: string;
  priority: number;
  run_at: number | string;
  attempts: number;
  max_attempts: number;
  backoff: string | null;
  timeout_ms: number | null;
  dedupe_key: string | null;
  locked_by: string | null;
  locked_until: number | string | null;
  progress: number | null;
  result: string | null;
  errors: string;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
}

/** The tables the job queue owns. */
export interface JobTables {
  keel_job: JobRow;
}

/** The table recording the queue's migrations (its lock table is `keel_job_migration_lock`). */
export const JOB_MIGRATION_TABLE = 'keel_job_migration';

/**
 * The queue's migrations, written with Kysely's schema builder for both dialects; run by the store
 * at the queue's start, recorded in {@link JOB_MIGRATION_TABLE} so they never mix with the service's.
 */
export function jobMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_keel_job': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('keel_job')
          .addColumn('id', dialect === 'postgres' ? 'uuid' : 'text', (c) => c.primaryKey())
          .addColumn('queue', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('run_at', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('backoff', 'text')
          .addColumn('timeout_ms', 'integer')
          .addColumn('dedupe_key', 'text')
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', 'bigint')
          .addColumn('progress', 'double precision')
          .addColumn('result', 'text')
          .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('finished_at', 'bigint')
          .execute();
        // The claim reads this index in order: highest priority, then due time, then FIFO.
        await db.schema
          .createIndex('keel_job_claim')
          .on('keel_job')
          .columns(['queue', 'priority desc', 'run_at', 'id'])
          .where(sql.raw<SqlBool>(`state = 'waiting'`))
          .execute();
        await db.schema
          .createIndex('keel_job_lease')
          .on('keel_job')
          .column('locked_until')
          .where(sql.raw<SqlBool>(`state = 'running'`))
          .execute();
        await db.schema
          .createIndex('keel_job_dedupe')
          .unique()
          .on('keel_job')
          .columns(['type', 'dedupe_key'])
          .where(sql.raw<SqlBool>(`dedupe_key is not null and state in ('waiting', 'running')`))
          .execute();
        await db.schema
          .createIndex('keel_job_finished')
          .on('keel_job')
          .column('finished_at')
          .where(sql.raw<SqlBool>(`state = 'completed'`))
          .execute();
        await db.schema.createIndex('keel_job_state').on('keel_job').columns(['state', 'id']).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('keel_job').execute();
      },
    },
    // Every state change wrote an entry to the (state, id) index; listings of waiting, running and
    // completed jobs page by id on the primary key, and only the rare end states keep an index.
    '0002_keel_job_lean_indexes': {
      async up(db: Kysely<unknown>) {
        await db.schema.dropIndex('keel_job_state').execute();
        await db.schema
          .createIndex('keel_job_ended')
          .on('keel_job')
          .columns(['state', 'id'])
          .where(sql.raw<SqlBool>(`state in ('failed', 'cancelled')`))
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropIndex('keel_job_ended').execute();
        await db.schema.createIndex('keel_job_state').on('keel_job').columns(['state', 'id']).execute();
      },
    },
  };
}
