import type { Store } from 'keel/store';
import type { PlannerDatabase } from '../database.js';
import { inboxNotifier } from './inbox-channel.js';
import type { NotificationType } from './types.js';

/** One notification to deliver; `sourceKey` identifies what caused it, so a retry adds nothing. */
export interface NotificationDraft {
  userId: string;
  type: NotificationType;
  eventId: string | null;
  message: string;
  sourceKey: string;
}

/** Delivers drafts to the keel/notify inbox, inside the caller's transaction when there is one. */
export class NotificationRepository {
  private readonly notifier;

  constructor(store: Store<PlannerDatabase>) {
    this.notifier = inboxNotifier(store as unknown as Store<unknown>);
  }

  /**
   * Notifies each draft's user unless that user already has one from the same source (the
   * idempotency key); all or none. Returns how many were new. The notifier's clock stamps the
   * items (`_deliveredAt` is kept for existing callers).
   */
  async deliver(drafts: readonly NotificationDraft[], _deliveredAt?: string): Promise<number> {
    if (drafts.length === 0) return 0;
    // Joins the caller's transaction, or opens one: a draft that fails (an unknown user) delivers none.
    const results = await this.notifier.notifyMany(
      undefined,
      drafts.map((d) => ({
        recipientId: d.userId,
        type: d.type,
        payload: { eventId: d.eventId, message: d.message },
        idempotencyKey: d.sourceKey,
      })),
    );
    return results.filter((r) => r.created).length;
  }

  /** The inbox's reading side (keel/notify). */
  get inbox() {
    return this.notifier.inbox;
  }
}
