import { randomUUID } from 'node:crypto';
import type { Kysely, Migration } from 'keel/store';
import type { NotificationType } from './types.js';

export type { NotificationType } from './types.js';

/**
 * The `notifications` view: the planner's inbox as it was a table, over keel/notify's inbox, for
 * reports and SQL that read it (`created_at` and `read_at` are epoch ms now).
 */
export interface NotificationsTable {
  id: string;
  user_id: string;
  type: NotificationType;
  event_id: string | null;
  message: string;
  source_key: string;
  created_at: number | string;
  read_at: number | string | null;
}

/** What the notifications feature shows to SQL. */
export interface NotificationTables {
  notifications: NotificationsTable;
}

/** The inbox table as the first migration made it (the move below reads it). */
interface LegacyNotification {
  id: string;
  user_id: string;
  type: string;
  event_id: string | null;
  message: string;
  source_key: string;
  created_at: string;
  read_at: string | null;
}

interface MoveTables {
  notifications: LegacyNotification;
  keel_notify_notification: {
    id: string;
    recipient_id: string;
    type: string;
    payload: string;
    idempotency_key: string;
    created_at: number;
  };
  keel_notify_delivery: {
    id: string;
    notification_id: string;
    channel: string;
    target: null;
    state: string;
    attempts: number;
    history: string;
    delivered_at: number;
    created_at: number;
    updated_at: number;
  };
  keel_notify_inbox: {
    id: string;
    notification_id: string;
    recipient_id: string;
    type: string;
    subject_id: string | null;
    message: string;
    payload: string;
    created_at: number;
    read_at: number | null;
  };
}

const BATCH = 200;

/**
 * Migrations of the inbox: the original table, then its move onto keel/notify's inbox (whose tables
 * `2026_12_08_001_keel_notify_tables` creates): every row keeps its id, user, source key (the
 * idempotency key) and times; the table becomes a view of the same name and columns.
 */
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
  '2026_12_08_002_notifications_on_keel_notify': {
    async up(raw: Kysely<unknown>) {
      const db = raw as Kysely<MoveTables>;
      for (let after = ''; ; ) {
        const rows = await db
          .selectFrom('notifications')
          .selectAll()
          .where('id', '>', after)
          .orderBy('id')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) break;
        after = rows.at(-1)!.id;
        const ms = (iso: string) => Date.parse(iso);
        await db
          .insertInto('keel_notify_notification')
          .values(
            rows.map((r) => ({
              id: r.id,
              recipient_id: r.user_id,
              type: r.type,
              payload: JSON.stringify({ eventId: r.event_id, message: r.message }),
              idempotency_key: r.source_key,
              created_at: ms(r.created_at),
            })),
          )
          .execute();
        await db
          .insertInto('keel_notify_delivery')
          .values(
            rows.map((r) => ({
              id: randomUUID(),
              notification_id: r.id,
              channel: 'inbox',
              target: null,
              state: 'delivered',
              attempts: 0,
              history: '[]',
              delivered_at: ms(r.created_at),
              created_at: ms(r.created_at),
              updated_at: ms(r.created_at),
            })),
          )
          .execute();
        await db
          .insertInto('keel_notify_inbox')
          .values(
            rows.map((r) => ({
              id: r.id,
              notification_id: r.id,
              recipient_id: r.user_id,
              type: r.type,
              subject_id: r.event_id,
              message: r.message,
              payload: JSON.stringify({ eventId: r.event_id, message: r.message }),
              created_at: ms(r.created_at),
              read_at: r.read_at === null ? null : ms(r.read_at),
            })),
          )
          .execute();
      }
      await db.schema.dropTable('notifications').execute();
      await db.schema
        .createView('notifications')
        .as(
          db
            .selectFrom('keel_notify_inbox as i')
            .innerJoin('keel_notify_notification as n', 'n.id', 'i.notification_id')
            .select([
              'i.id as id',
              'i.recipient_id as user_id',
              'i.type as type',
              'i.subject_id as event_id',
              'i.message as message',
              'n.idempotency_key as source_key',
              'i.created_at as created_at',
              'i.read_at as read_at',
            ]),
        )
        .execute();
    },
  },
};
