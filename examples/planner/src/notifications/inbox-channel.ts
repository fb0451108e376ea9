import { createNotifier, inboxChannel, type NotificationOf, type Notifier } from 'keel/notify';
import type { Store } from 'keel/store';
import { plannerNotificationTypes } from './types.js';

/** The planner's only channel: the inbox shows the message, about its event. */
export const plannerChannels = () => ({
  inbox: inboxChannel<NotificationOf<typeof plannerNotificationTypes>>({
    render: (n) => ({ message: n.payload.message, subjectId: n.payload.eventId }),
  }),
});

/** The planner's notifier, inbox-only: what jobs and reminders deliver through (its tables are the notify feature's). */
export function inboxNotifier(store: Store<unknown>): Notifier<typeof plannerNotificationTypes> {
  return createNotifier({ store, types: plannerNotificationTypes, channels: plannerChannels() });
}
