import { ForbiddenError, NotFoundError } from 'keel/errors';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { idOrNotFound } from '../common/ids.js';
import type { NotificationRepository, NotificationRow } from './repository.js';

/** A notification as the API shows it. */
export interface NotificationView {
  id: string;
  type: string;
  eventId: string | null;
  message: string;
  createdAt: string;
  readAt: string | null;
}

/** A page of a user's notifications. */
export interface NotificationPage {
  items: NotificationView[];
  nextCursor: string | null;
}

/** The in-app inbox of each user: listing, and marking read (only one's own). */
export class InboxService {
  constructor(private readonly notifications: NotificationRepository) {}

  async list(
    userId: string,
    query: { unread: boolean; limit: number; cursor?: string | undefined },
  ): Promise<NotificationPage> {
    const { unread, limit, cursor } = query;
    const rows = await this.notifications.page(userId, {
      unread,
      limit: limit + 1,
      ...(cursor ? { after: decodeCursor(cursor) } : {}),
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor({ key: last.created_at, id: last.id }) : null,
    };
  }

  async markRead(userId: string, rawId: string): Promise<NotificationView> {
    const id = idOrNotFound(rawId, 'Notification');
    const row = await this.notifications.find(id);
    if (!row) throw new NotFoundError(`Notification ${id} was not found`);
    if (row.user_id !== userId) throw new ForbiddenError('This notification is not yours');
    const readAt = new Date().toISOString();
    await this.notifications.markRead(id, readAt);
    // Read back: the first read time stays, whichever request set it.
    return toView((await this.notifications.find(id)) ?? { ...row, read_at: row.read_at ?? readAt });
  }

  async markAllRead(userId: string): Promise<{ updated: number }> {
    return { updated: await this.notifications.markAllRead(userId, new Date().toISOString()) };
  }
}

function toView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    eventId: row.event_id,
    message: row.message,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}
