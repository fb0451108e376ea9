import { type Kysely, type Migration, type SqlBool, sql } from 'kysely';

/** Epoch ms as stored (PostgreSQL returns bigints as strings). */
export type StoredMs = number | string;

/** A notification as stored. */
export interface NotificationRow {
  id: string;
  recipient_id: string;
  type: string;
  payload: string;
  idempotency_key: string;
  created_at: StoredMs;
}

/** One delivery of a notification on one channel (and target) as stored. */
export interface DeliveryRow {
  id: string;
  notification_id: string;
  channel: string;
  target: string | null;
  state: string;
  reason: string | null;
  attempts: number;
  history: string;
  next_attempt_at: StoredMs | null;
  last_attempt_at: StoredMs | null;
  delivered_at: StoredMs | null;
  created_at: StoredMs;
  updated_at: StoredMs;
}

/** An inbox item as stored. */
export interface InboxRow {
  id: string;
  notification_id: string;
  recipient_id: string;
  type: string;
  subject_id: string | null;
  message: string;
  payload: string;
  created_at: StoredMs;
  read_at: StoredMs | null;
}

/** A recipient's choice for a (type or `*`, channel). */
export interface PreferenceRow {
  recipient_id: string;
  type: string;
  channel: string;
  enabled: number;
  updated_at: StoredMs;
}

/** A recipient's Telegram chat, its throttle slot and whether it is disabled. */
export interface TelegramChatRow {
  recipient_id: string;
  chat_id: string;
  disabled_at: StoredMs | null;
  disabled_reason: string | null;
  next_send_at: StoredMs;
  updated_at: StoredMs;
}

/** A recipient's webhook endpoint. */
export interface WebhookEndpointRow {
  id: string;
  recipient_id: string;
  url: string;
  /** JSON: [{ secret, expiresAt|null }], newest first. */
  secrets: string;
  disabled_at: StoredMs | null;
  disabled_reason: string | null;
  created_at: StoredMs;
}

/** The tables keel/notify owns. */
export interface NotifyTables {
  keel_notify_notification: NotificationRow;
  keel_notify_delivery: DeliveryRow;
  keel_notify_inbox: InboxRow;
  keel_notify_preference: PreferenceRow;
  keel_notify_telegram_chat: TelegramChatRow;
  keel_notify_webhook_endpoint: WebhookEndpointRow;
}

/**
 * Where the recipient ids point, for a foreign key that deletes a recipient's notifications with it.
 *
 * @example
 * ```ts
 * const recipients: RecipientReference = { table: 'users', column: 'id' };
 * ```
 */
export interface RecipientReference {
  table: string;
  column: string;
}

/**
 * keel/notify's migrations, added to the service's own set under `prefix` so a service chooses where
 * they sort (after its users table when notifications reference it).
 */
export function notifyMigrations(prefix: string, recipients?: RecipientReference): Record<string, Migration> {
  return {
    [`${prefix}_keel_notify_tables`]: {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('keel_notify_notification')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('recipient_id', 'text', (c) => {
            const notNull = c.notNull();
            return recipients
              ? notNull.references(`${recipients.table}.${recipients.column}`).onDelete('cascade')
              : notNull;
          })
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('idempotency_key', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('keel_notify_notification_key', ['recipient_id', 'idempotency_key'])
          .execute();
        await db.schema
          .createTable('keel_notify_delivery')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('notification_id', 'text', (c) =>
            c.notNull().references('keel_notify_notification.id').onDelete('cascade'),
          )
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('history', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('next_attempt_at', 'bigint')
          .addColumn('last_attempt_at', 'bigint')
          .addColumn('delivered_at', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('keel_notify_delivery_notification')
          .on('keel_notify_delivery')
          .column('notification_id')
          .execute();
        await db.schema
          .createIndex('keel_notify_delivery_open')
          .on('keel_notify_delivery')
          .columns(['state', 'id'])
          .where(sql.raw<SqlBool>(`state in ('queued', 'sending', 'failed')`))
          .execute();
        await db.schema
          .createTable('keel_notify_inbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('notification_id', 'text', (c) =>
            c.notNull().unique().references('keel_notify_notification.id').onDelete('cascade'),
          )
          .addColumn('recipient_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('subject_id', 'text')
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('read_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('keel_notify_inbox_recipient')
          .on('keel_notify_inbox')
          .columns(['recipient_id', 'created_at', 'id'])
          .execute();
        await db.schema
          .createTable('keel_notify_preference')
          .addColumn('recipient_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('keel_notify_preference_pk', ['recipient_id', 'type', 'channel'])
          .execute();
        await db.schema
          .createTable('keel_notify_telegram_chat')
          .addColumn('recipient_id', 'text', (c) => c.primaryKey())
          .addColumn('chat_id', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'bigint')
          .addColumn('disabled_reason', 'text')
          .addColumn('next_send_at', 'bigint', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('keel_notify_telegram_chat_id')
          .on('keel_notify_telegram_chat')
          .column('chat_id')
          .execute();
        await db.schema
          .createTable('keel_notify_webhook_endpoint')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('recipient_id', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('secrets', 'text', (c) => c.notNull())
          .addColumn('disabled_at', 'bigint')
          .addColumn('disabled_reason', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('keel_notify_webhook_endpoint_recipient')
          .on('keel_notify_webhook_endpoint')
          .column('recipient_id')
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of [
          'keel_notify_webhook_endpoint',
          'keel_notify_telegram_chat',
          'keel_notify_preference',
          'keel_notify_inbox',
          'keel_notify_delivery',
          'keel_notify_notification',
        ]) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
  };
}
