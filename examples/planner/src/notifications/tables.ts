import { randomUUID } from 'node:crypto';
import { type Kysely, type Migration, type StoreDialect, sql } from 'keel/store';
import type { NotificationType } from './types.js';

export type { NotificationType } from './types.js';

/**
 * The `notifications` view: the planner's inbox as the table it was, over keel/notify's inbox, for
 * SQL that reads it or inserts into it (an INSTEAD OF trigger writes keel/notify's rows).
 */
export interface NotificationsTable {
  id: string;
  user_id: string;
  type: NotificationType;
  event_id: string | null;
  message: string;
  source_key: string;
  /** ISO 8601, in UTC with milliseconds. */
  created_at: string;
  read_at: string | null;
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
export function notificationMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
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
        await (dialect === 'postgres' ? postgresView(raw) : sqliteView(raw));
      },
    },
  };
}

/** The view and its insert trigger on SQLite: ISO text over epoch ms, both ways. */
async function sqliteView(db: Kysely<unknown>): Promise<void> {
  const iso = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;
  const ms = (value: string) =>
    `CASE WHEN ${value} IS NULL THEN NULL WHEN typeof(${value}) IN ('integer', 'real') THEN ${value} ` +
    `ELSE CAST(ROUND((julianday(${value}) - 2440587.5) * 86400000) AS INTEGER) END`;
  await sql
    .raw(`CREATE VIEW notifications AS
      SELECT i.id AS id, i.recipient_id AS user_id, i.type AS type, i.subject_id AS event_id, i.message AS message,
        n.idempotency_key AS source_key, ${iso('i.created_at')} AS created_at,
        CASE WHEN i.read_at IS NULL THEN NULL ELSE ${iso('i.read_at')} END AS read_at
      FROM keel_notify_inbox i JOIN keel_notify_notification n ON n.id = i.notification_id`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER notifications_insert INSTEAD OF INSERT ON notifications
      BEGIN
        INSERT INTO keel_notify_notification (id, recipient_id, type, payload, idempotency_key, created_at)
          VALUES (NEW.id, NEW.user_id, NEW.type, json_object('eventId', NEW.event_id, 'message', NEW.message),
            NEW.source_key, ${ms('NEW.created_at')});
        INSERT INTO keel_notify_delivery (id, notification_id, channel, target, state, attempts, history, delivered_at, created_at, updated_at)
          VALUES (lower(hex(randomblob(16))), NEW.id, 'inbox', NULL, 'delivered', 0, '[]',
            ${ms('NEW.created_at')}, ${ms('NEW.created_at')}, ${ms('NEW.created_at')});
        INSERT INTO keel_notify_inbox (id, notification_id, recipient_id, type, subject_id, message, payload, created_at, read_at)
          VALUES (NEW.id, NEW.id, NEW.user_id, NEW.type, NEW.event_id, NEW.message,
            json_object('eventId', NEW.event_id, 'message', NEW.message), ${ms('NEW.created_at')}, ${ms('NEW.read_at')});
      END`)
    .execute(db);
}

/** The view and its insert trigger on PostgreSQL: ISO text over epoch ms, both ways. */
async function postgresView(db: Kysely<unknown>): Promise<void> {
  const iso = (column: string) =>
    `to_char(to_timestamp(${column} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await sql
    .raw(`CREATE VIEW notifications AS
      SELECT i.id AS id, i.recipient_id AS user_id, i.type AS type, i.subject_id AS event_id, i.message AS message,
        n.idempotency_key AS source_key, ${iso('i.created_at')} AS created_at,
        CASE WHEN i.read_at IS NULL THEN NULL ELSE ${iso('i.read_at')} END AS read_at
      FROM keel_notify_inbox i JOIN keel_notify_notification n ON n.id = i.notification_id`)
    .execute(db);
  await sql
    .raw(`CREATE FUNCTION notifications_view_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        created bigint := round(extract(epoch FROM NEW.created_at::timestamptz) * 1000);
        payload text := json_build_object('eventId', NEW.event_id, 'message', NEW.message)::text;
      BEGIN
        INSERT INTO keel_notify_notification (id, recipient_id, type, payload, idempotency_key, created_at)
          VALUES (NEW.id, NEW.user_id, NEW.type, payload, NEW.source_key, created);
        INSERT INTO keel_notify_delivery (id, notification_id, channel, target, state, attempts, history, delivered_at, created_at, updated_at)
          VALUES (gen_random_uuid()::text, NEW.id, 'inbox', NULL, 'delivered', 0, '[]', created, created, created);
        INSERT INTO keel_notify_inbox (id, notification_id, recipient_id, type, subject_id, message, payload, created_at, read_at)
          VALUES (NEW.id, NEW.id, NEW.user_id, NEW.type, NEW.event_id, NEW.message, payload, created,
            CASE WHEN NEW.read_at IS NULL THEN NULL ELSE round(extract(epoch FROM NEW.read_at::timestamptz) * 1000) END);
        RETURN NEW;
      END
      $fn$`)
    .execute(db);
  await sql
    .raw(
      'CREATE TRIGGER notifications_insert INSTEAD OF INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION notifications_view_insert()',
    )
    .execute(db);
}
