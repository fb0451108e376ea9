import type { Kysely, Migration } from 'keel/store';

/** What a notification is about. */
export type NotificationType =
  | 'event_invited'
  | 'event_updated'
  | 'event_cancelled'
  | 'rsvp_changed'
  | 'event_reminder';

/** An in-app notification. `source_key` makes delivery idempotent: one row per (user, source). */
export interface NotificationsTable {
  id: string;
  user_id: string;
  type: NotificationType;
  event_id: string | null;
  message: string;
  source_key: string;
  created_at: string;
  read_at: string | null;
}

/** The tables the notifications feature owns. */
export interface NotificationTables {
  notifications: NotificationsTable;
}

/** Migrations of the inbox (after the accounts', whose users it references). */
export const notificationMigrations: Record<string, Migration> = {
  '2026_11_23_003_notifications': {
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
