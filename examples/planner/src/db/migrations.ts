import { type Kysely, type Migration, sql } from 'keel/store';

/** The planner's migrations, written once for SQLite and PostgreSQL with Kysely's schema builder. */
export const migrations: Record<string, Migration> = {
  '2026_11_23_001_users_events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('email', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('description', 'text')
        .addColumn('starts_at', 'text', (col) => col.notNull())
        .addColumn('ends_at', 'text', (col) => col.notNull())
        .addColumn('location', 'text')
        .addColumn('organizer_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addCheckConstraint('events_ends_after_starts', sql`ends_at > starts_at`)
        .execute();
      await db.schema
        .createIndex('events_organizer_starts')
        .on('events')
        .columns(['organizer_id', 'starts_at', 'id'])
        .execute();
      await db.schema
        .createTable('event_participants')
        .addColumn('event_id', 'text', (col) => col.notNull().references('events.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('position', 'integer', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('event_participants_pk', ['event_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('event_participants_user')
        .on('event_participants')
        .columns(['user_id', 'event_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('event_participants').execute();
      await db.schema.dropTable('events').execute();
      await db.schema.dropTable('users').execute();
    },
  },
  '2026_11_23_002_notifications': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('event_id', 'text')
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('source_key', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('read_at', 'text')
        .addUniqueConstraint('notifications_user_source', ['user_id', 'source_key'])
        .execute();
      await db.schema
        .createIndex('notifications_user_created')
        .on('notifications')
        .columns(['user_id', 'created_at', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('notifications').execute();
    },
  },
};
