import type { Kysely, Migration } from 'kysely';

/** A `keel_schedule` row: one per declared schedule (times in epoch ms; PostgreSQL returns bigints as strings). */
export interface ScheduleRow {
  name: string;
  /** What decides the ticks (cron or interval, and timezone), as JSON. */
  spec: string;
  /** 1 while paused. */
  paused: number;
  /** The latest tick handled by any instance. */
  last_tick_at: number | string;
  /** Runs enqueued so far (ticks, catch-ups, triggers). */
  run_count: number | string;
  created_at: number | string;
  updated_at: number | string;
}

/** A `keel_schedule_run` row: one per handled tick or trigger; its key makes a tick enqueue at most once. */
export interface RunRow {
  schedule: string;
  /** `tick:<ms>` for ticks and catch-ups, `trigger:<ms>:<random>`, `start:<ms>:<random>`. */
  run_key: string;
  kind: string;
  planned_at: number | string;
  /** `waiting`, `running`, `completed`, `failed`, `cancelled`, or `skipped` (overlap). */
  status: string;
  job_id: string | null;
  enqueued_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  error: string | null;
}

/** The tables the scheduler owns. */
export interface ScheduleTables {
  keel_schedule: ScheduleRow;
  keel_schedule_run: RunRow;
}

/** Where the scheduler records its migrations (lock table `keel_schedule_migration_lock`); existing databases keep it. */
export const SCHEDULE_MIGRATION_TABLE = 'keel_schedule_migration';

/**
 * The scheduler's migrations (tables `keel_schedule` and `keel_schedule_run`), written with Kysely's
 * schema builder for both dialects; the scheduler runs them at start through `store.migrate`.
 */
export const scheduleMigrations: Record<string, Migration> = {
  '0001_keel_schedule': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('keel_schedule')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_tick_at', 'bigint', (c) => c.notNull())
        .addColumn('run_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('keel_schedule_run')
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('run_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('planned_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text')
        .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('keel_schedule_run_pk', ['schedule', 'run_key'])
        .execute();
      await db.schema
        .createIndex('keel_schedule_run_latest')
        .on('keel_schedule_run')
        .columns(['schedule', 'enqueued_at'])
        .execute();
      await db.schema.createIndex('keel_schedule_run_status').on('keel_schedule_run').column('status').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('keel_schedule_run').execute();
      await db.schema.dropTable('keel_schedule').execute();
    },
  },
};
