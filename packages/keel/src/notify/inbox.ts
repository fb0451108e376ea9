import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import type { BoundChannel, NotifyChannel } from './channel.js';
import { toDate, toMs } from './rows.js';
import type { InboxRow, NotifyTables } from './schema.js';
import type { Notification } from './types.js';

/**
 * What the inbox shows of a notification: its message and the thing it is about.
 *
 * @example
 * ```ts
 * const shown: InboxMessage = { message: 'You are invited to "Kickoff"', subjectId: event.id };
 * ```
 */
export interface InboxMessage {
  message: string;
  /** The id of what the notification is about (an event, an order). @defaultValue null */
  subjectId?: string | null;
}

/**
 * Options of {@link inboxChannel}.
 *
 * @example
 * ```ts
 * const options: InboxChannelOptions<Notification> = { render: (n) => ({ message: `New ${n.type}` }) };
 * ```
 */
export interface InboxChannelOptions<N> {
  /** Turns a notification into its inbox message. */
  render: (notification: N) => InboxMessage;
  /**
   * `in-transaction`: the item is written by `notify` in the caller's transaction (it exists if and
   * only if that commits; nothing to retry). `job`: like the other channels, a delivery job writes
   * it just after. @defaultValue `in-transaction`
   */
  delivery?: 'in-transaction' | 'job';
}

const optionsSchema = z.object({
  render: option.fn(),
  delivery: z.enum(['in-transaction', 'job']).default('in-transaction'),
});

/**
 * The in-app inbox: SQL rows written by `notify` in the caller's own transaction, so an inbox item
 * exists if and only if the business write commits, with nothing left to deliver or retry. Read it
 * with `notifier.inbox`.
 *
 * @example
 * ```ts
 * channels: () => ({ inbox: inboxChannel({ render: (n) => ({ message: n.payload.message, subjectId: n.payload.eventId }) }) })
 * ```
 */
export function inboxChannel<N extends Notification = Notification>(options: InboxChannelOptions<N>): NotifyChannel<N> {
  const { delivery } = checkOptions('inboxChannel', optionsSchema, options);
  const render = options.render;
  // The item's id is the notification's: writing it twice (a retried job) adds nothing.
  const write = async (db: Kysely<NotifyTables>, notification: N): Promise<void> => {
    const shown = render(notification);
    await db
      .insertInto('keel_notify_inbox')
      .values({
        id: randomUUID(),
        notification_id: notification.id,
        recipient_id: notification.recipientId,
        type: notification.type,
        subject_id: shown.subjectId ?? null,
        message: shown.message,
        payload: JSON.stringify(notification.payload ?? null),
        created_at: notification.createdAt.getTime(),
        read_at: null,
      })
      .onConflict((oc) => oc.column('notification_id').doNothing())
      .execute();
  };
  return {
    kind: 'inbox',
    bind: (runtime): BoundChannel<N> => ({
      kind: 'inbox',
      atMostOnce: false,
      maxAttempts: 10,
      configured: true,
      retryDelayMs: (attempt) => Math.min(1000 * 2 ** attempt, 60_000),
      targets: async () => ({ targets: [null] }),
      ...(delivery === 'in-transaction'
        ? { deliverInTransaction: (trx, notification) => write(trx, notification) }
        : {
            send: async (attempt) => {
              await write(runtime.store.db, attempt.notification as N);
              return { kind: 'delivered' as const };
            },
          }),
    }),
  };
}

/**
 * One inbox item.
 *
 * @example
 * ```ts
 * const unread = page.items.filter((item: InboxItem) => item.readAt === null);
 * ```
 */
export interface InboxItem {
  /** A lower-case UUID. */
  id: string;
  notificationId: string;
  recipientId: string;
  type: string;
  subjectId: string | null;
  message: string;
  payload: unknown;
  createdAt: Date;
  readAt: Date | null;
}

/**
 * A page of a recipient's inbox, newest first; `nextCursor` reads the next one.
 *
 * @example
 * ```ts
 * const next: InboxPage = await notifier.inbox.list(userId, { cursor: page.nextCursor ?? undefined });
 * ```
 */
export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
}

/**
 * What to list of an inbox.
 *
 * @example
 * ```ts
 * const query: InboxQuery = { unread: true, limit: 50 };
 * ```
 */
export interface InboxQuery {
  /** Only unread items. @defaultValue false */
  unread?: boolean;
  /** Items per page, 1-100. @defaultValue 20 */
  limit?: number;
  /** The previous page's `nextCursor`. @defaultValue the first page */
  cursor?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const queryLimit = z.number().int().min(1).max(100);

function encodeCursor(row: Pick<InboxRow, 'created_at' | 'id'>): string {
  return Buffer.from(`${toMs(row.created_at)}:${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const createdAt = Number(time);
  if (!Number.isSafeInteger(createdAt) || !id || !UUID.test(id)) {
    throw new ValidationError([{ location: 'query', path: 'cursor', message: 'is not a cursor this API gave' }]);
  }
  return { createdAt, id };
}

function toItem(row: InboxRow): InboxItem {
  return {
    id: row.id,
    notificationId: row.notification_id,
    recipientId: row.recipient_id,
    type: row.type,
    subjectId: row.subject_id,
    message: row.message,
    payload: JSON.parse(row.payload) as unknown,
    createdAt: new Date(toMs(row.created_at)),
    readAt: toDate(row.read_at),
  };
}

/**
 * The inbox's reading side: list, unread count, mark read, clean up.
 *
 * @example
 * ```ts
 * const page = await notifier.inbox.list(request.principal.id, { unread: true, limit: 20 });
 * ```
 */
export class Inbox {
  constructor(
    private readonly store: Store<NotifyTables>,
    private readonly now: () => number,
  ) {}

  private get db(): Kysely<NotifyTables> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  /** A page of a recipient's items, newest first (a bad cursor or limit: ValidationError). */
  async list(recipientId: string, query: InboxQuery = {}): Promise<InboxPage> {
    const limit = query.limit ?? 20;
    if (!queryLimit.safeParse(limit).success) {
      throw new ValidationError([
        { location: 'query', path: 'limit', message: 'must be a whole number from 1 to 100' },
      ]);
    }
    let select = this.db.selectFrom('keel_notify_inbox').selectAll().where('recipient_id', '=', recipientId);
    if (query.unread) select = select.where('read_at', 'is', null);
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      select = select.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { items: page.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** One item, by id (any case), or undefined. */
  async get(id: string): Promise<InboxItem | undefined> {
    const normalized = id.toLowerCase();
    if (!UUID.test(normalized)) return undefined;
    const row = await this.db
      .selectFrom('keel_notify_inbox')
      .selectAll()
      .where('id', '=', normalized)
      .executeTakeFirst();
    return row ? toItem(row) : undefined;
  }

  /** How many unread items a recipient has. */
  async unreadCount(recipientId: string): Promise<number> {
    const row = await this.db
      .selectFrom('keel_notify_inbox')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('recipient_id', '=', recipientId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Marks one of the recipient's items read, keeping the first read time; answers it. An unknown
   * id is a NotFoundError, another recipient's item a ForbiddenError.
   */
  async markRead(recipientId: string, id: string): Promise<InboxItem> {
    const item = await this.get(id);
    if (!item) throw new NotFoundError(`Notification ${id} was not found`);
    if (item.recipientId !== recipientId) throw new ForbiddenError('This notification is not yours');
    await this.db
      .updateTable('keel_notify_inbox')
      .set({ read_at: this.now() })
      .where('id', '=', item.id)
      .where('read_at', 'is', null)
      .execute();
    // Read back: the first read time stays, whichever request set it.
    return (await this.get(item.id)) ?? item;
  }

  /** Marks every unread item of a recipient read; answers how many changed. */
  async markAllRead(recipientId: string): Promise<number> {
    const result = await this.db
      .updateTable('keel_notify_inbox')
      .set({ read_at: this.now() })
      .where('recipient_id', '=', recipientId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes read items created before `before`; answers how many. */
  async deleteReadBefore(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('keel_notify_inbox')
      .where('read_at', 'is not', null)
      .where('created_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
