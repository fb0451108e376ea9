import type { JobQueue, JobType } from 'keel/jobs';
import type { Transaction } from 'keel/store';
import { newId } from '../common/ids.js';
import type { PlannerDatabase } from '../db/schema.js';
import type { EventChange } from '../events/changes.js';
import { notificationsFor } from './messages.js';
import type { NotificationDraft } from './repository.js';

/**
 * An event change listener that enqueues one notification job in the change's own transaction: the
 * job exists if and only if the change commits, and the HTTP response never waits for delivery.
 */
export function enqueueNotifications(
  jobs: () => JobQueue<PlannerDatabase>,
  notify: JobType<{ notifications: NotificationDraft[] }>,
) {
  return async (trx: Transaction<PlannerDatabase>, change: EventChange): Promise<void> => {
    const names = new Map<string, string>();
    if (change.kind === 'status_changed') {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'name'])
        .where('id', '=', change.userId)
        .executeTakeFirst();
      if (user) names.set(user.id, user.name);
    }
    const notifications = notificationsFor(change, newId(), names);
    if (notifications.length === 0) return;
    await jobs().enqueue(notify, { notifications }, { transaction: trx });
  };
}
