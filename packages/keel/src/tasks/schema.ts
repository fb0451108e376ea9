import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';

/** The `keel_task` row as stored (times in epoch ms; PostgreSQL returns bigints as strings). */
export interface TaskRow {
  id: string;
  manager: string;
  type: string;
  owner: string;
  state: string;
  priority: number;
  timeout_ms: number | string;
  result_ttl_ms: number | string;
  attempts: number;
  max_attempts: number;
  input: string;
  job_id: string | null;
  run_token: string | null;
  progress_done: number | null;
  progress_total: number | null;
  progress_details: string | null;
  progress_at: number | string | null;
  checkpoint: string | null;
  result: string | null;
  artifact: string | null;
  error: string | null;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  cancel_requested_at: number | string | null;
  expires_at: number | string | null;
}

/** The tables the tasks own. */
export interface TaskTables {
  keel_task: TaskRow;
}

/** The table recording the tasks' migrations. */
export const TASK_MIGRATION_TABLE = 'keel_task_migration';

/** The tasks' migrations, for both dialects; run at the tasks component's start. */
export function taskMigrations(): Record<string, Migration> {
  return {
    '0001_keel_task': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('keel_task')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('manager', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
          .addColumn('result_ttl_ms', 'bigint', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer', (c) => c.notNull())
          .addColumn('input', 'text', (c) => c.notNull())
          .addColumn('job_id', 'text')
          .addColumn('run_token', 'text')
          .addColumn('progress_done', 'double precision')
          .addColumn('progress_total', 'double precision')
          .addColumn('progress_details', 'text')
          .addColumn('progress_at', 'bigint')
          .addColumn('checkpoint', 'text')
          .addColumn('result', 'text')
          .addColumn('artifact', 'text')
          .addColumn('error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('finished_at', 'bigint')
          .addColumn('cancel_requested_at', 'bigint')
          .addColumn('expires_at', 'bigint')
          .execute();
        // "My tasks", newest first, optionally by state or type (filtered on the owner's rows).
        await db.schema.createIndex('keel_task_owner').on('keel_task').columns(['owner', 'id']).execute();
        // Per-owner limits count the running ones.
        await db.schema
          .createIndex('keel_task_owner_running')
          .on('keel_task')
          .column('owner')
          .where(sql.raw<SqlBool>(`state in ('running', 'cancelling')`))
          .execute();
        // The cleanup finds results past their TTL.
        await db.schema
          .createIndex('keel_task_expiry')
          .on('keel_task')
          .column('expires_at')
          .where(sql.raw<SqlBool>(`state = 'succeeded'`))
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('keel_task').execute();
      },
    },
  };
}
