import { z } from 'zod';

/** What a notification is about. */
export type NotificationType =
  | 'event_invited'
  | 'event_updated'
  | 'event_cancelled'
  | 'rsvp_changed'
  | 'event_reminder';

const payload = z.object({ eventId: z.string().nullable(), message: z.string().min(1).max(1000) });
const inboxOnly = { payload, channels: ['inbox'] } as const;

/** The planner's notification types (keel/notify), all delivered to the in-app inbox. */
export const plannerNotificationTypes = {
  event_invited: inboxOnly,
  event_updated: inboxOnly,
  event_cancelled: inboxOnly,
  rsvp_changed: inboxOnly,
  event_reminder: inboxOnly,
} satisfies Record<NotificationType, typeof inboxOnly>;
