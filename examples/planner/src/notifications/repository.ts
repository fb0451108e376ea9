import type { Kysely, Selectable, Store } from 'keel/store';
import type { Cursor } from '../common/cursor.js';
import { newId } from '../common/ids.js';
import type { PlannerDatabase } from '../database.js';
import type { NotificationsTable, NotificationType } from './tables.js';

/** A stored notification. */
export type NotificationRow = Selectable<NotificationsTable>;

/** One notification to deliver; `sourceKey` identifies what caused it, so a retry adds nothing. */
export interface NotificationDraft {
  userId: string;
  type: NotificationType;
  eventId: string | null;
  message: string;
  sourceKey: string;
}

/** Reads and writes the in-app inbox, inside the caller's transaction when there is one. */
export class NotificationRepository {
  constructor(private readonly store: Store<PlannerDatabase>) {}

  private get db(): Kysely<PlannerDatabase> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  /** Inserts each draft unless that user already has one from the same source; returns how many were new. */
  async deliver(drafts: readonly NotificationDraft[], now: string): Promise<number> {
    if (drafts.length === 0) return 0;
    const result = await this.db
      .insertInto('notifications')
      .values(
        drafts.map((d) => ({
          id: newId(),
          user_id: d.userId,
          type: d.type,
          event_id: d.eventId,
          message: d.message,
          source_key: d.sourceKey,
          created_at: now,
          read_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(['user_id', 'source_key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** A page of a user's notifications, newest first. */
  async page(userId: string, options: { unread: boolean; limit: number; after?: Cursor }): Promise<NotificationRow[]> {
    let query = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (options.unread) query = query.where('read_at', 'is', null);
    const after = options.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.key), eb.and([eb('created_at', '=', after.key), eb('id', '<', after.id)])]),
      );
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  }

  async find(id: string): Promise<NotificationRow | undefined> {
    return this.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Marks one notification read (keeping the first read time). */
  async markRead(id: string, now: string): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set({ read_at: now })
      .where('id', '=', id)
      .where('read_at', 'is', null)
      .execute();
  }

  /** Marks every unread notification of a user read; returns how many changed. */
  async markAllRead(userId: string, now: string): Promise<number> {
    const result = await this.db
      .updateTable('notifications')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Deletes read notifications older than `before`; returns how many. */
  async deleteReadBefore(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('notifications')
      .where('read_at', 'is not', null)
      .where('created_at', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
