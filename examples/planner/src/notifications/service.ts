import { ForbiddenError, NotFoundError } from 'keel/errors';
import type { Inbox, InboxItem } from 'keel/notify';
import { idOrNotFound } from '../common/ids.js';

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

/** The in-app inbox of each user (keel/notify's inbox): listing, and marking read (only one's own). */
export class InboxService {
  constructor(private readonly inbox: Inbox) {}

  async list(
    userId: string,
    query: { unread: boolean; limit: number; cursor?: string | undefined },
  ): Promise<NotificationPage> {
    const page = await this.inbox.list(userId, query);
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async markRead(userId: string, rawId: string): Promise<NotificationView> {
    const id = idOrNotFound(rawId, 'Notification');
    const item = await this.inbox.get(id);
    if (!item) throw new NotFoundError(`Notification ${id} was not found`);
    if (item.recipientId !== userId) throw new ForbiddenError('This notification is not yours');
    return toView(await this.inbox.markRead(userId, id));
  }

  async markAllRead(userId: string): Promise<{ updated: number }> {
    return { updated: await this.inbox.markAllRead(userId) };
  }
}

function toView(item: InboxItem): NotificationView {
  return {
    id: item.id,
    type: item.type,
    eventId: item.subjectId,
    message: item.message,
    createdAt: item.createdAt.toISOString(),
    readAt: item.readAt?.toISOString() ?? null,
  };
}
