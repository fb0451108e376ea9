import type { UserRepository } from 'keel/accounts';
import type { JobQueue, JobType } from 'keel/jobs';
import { newId } from '../common/ids.js';
import type { PlannerDatabase } from '../database.js';
import type { NotificationDraft } from '../notifications/repository.js';
import type { EventChange, EventChangeListener } from './changes.js';

/** When an event starts, in words that read well in an inbox (UTC; clients localize). */
function when(startsAt: string): string {
  return `${startsAt.slice(0, 10)} ${startsAt.slice(11, 16)} UTC`;
}

/**
 * The notifications an event change causes: participants hear of creation, updates and deletion;
 * the organizer hears of RSVP changes. Nobody is told of their own action.
 */
export function notificationsFor(
  change: EventChange,
  changeId: string,
  names: ReadonlyMap<string, string>,
): NotificationDraft[] {
  const { event } = change;
  const sourceKey = `change:${changeId}`;
  const draft = (userId: string, type: NotificationDraft['type'], message: string): NotificationDraft => ({
    userId,
    type,
    eventId: event.id,
    message,
    sourceKey,
  });
  switch (change.kind) {
    case 'created':
      return event.participants
        .filter((p) => p.userId !== change.actorId)
        .map((p) =>
          draft(p.userId, 'event_invited', `You are invited to "${event.title}" on ${when(event.startsAt)}.`),
        );
    case 'updated': {
      const before = new Set(change.before.participants.map((p) => p.userId));
      return event.participants
        .filter((p) => p.userId !== change.actorId)
        .map((p) =>
          before.has(p.userId)
            ? draft(p.userId, 'event_updated', `"${event.title}" was updated; it starts ${when(event.startsAt)}.`)
            : draft(p.userId, 'event_invited', `You are invited to "${event.title}" on ${when(event.startsAt)}.`),
        );
    }
    case 'deleted':
      return event.participants
        .filter((p) => p.userId !== change.actorId)
        .map((p) => draft(p.userId, 'event_cancelled', `"${event.title}" on ${when(event.startsAt)} was cancelled.`));
    case 'status_changed':
      if (event.organizerId === change.userId) return [];
      return [
        draft(
          event.organizerId,
          'rsvp_changed',
          `${names.get(change.userId) ?? 'A participant'} answered "${change.to}" to "${event.title}".`,
        ),
      ];
  }
}

/**
 * An event change listener that enqueues one notification job in the change's own transaction: the
 * job exists if and only if the change commits, and the HTTP response never waits for delivery.
 */
export function enqueueNotifications(
  jobs: JobQueue<PlannerDatabase>,
  notify: JobType<{ notifications: NotificationDraft[] }>,
  users: UserRepository,
): EventChangeListener {
  return async (change) => {
    const names = change.kind === 'status_changed' ? await users.names([change.userId]) : new Map<string, string>();
    const notifications = notificationsFor(change, newId(), names);
    if (notifications.length === 0) return;
    await jobs.enqueue(notify, { notifications });
  };
}
