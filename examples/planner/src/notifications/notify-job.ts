import { defineJob } from 'keel/jobs';
import type { Store } from 'keel/store';
import { z } from 'zod';
import type { PlannerDatabase } from '../database.js';
import { NotificationRepository } from './repository.js';

const draftSchema = z.object({
  userId: z.string(),
  type: z.enum(['event_invited', 'event_updated', 'event_cancelled', 'rsvp_changed', 'event_reminder']),
  eventId: z.string().nullable(),
  message: z.string().min(1).max(1000),
  sourceKey: z.string().min(1).max(200),
});

/** The job that delivers in-app notifications; delivering twice adds nothing (unique user + source). */
export function notifyJob(store: Store<PlannerDatabase>) {
  const inbox = new NotificationRepository(store);
  return defineJob({
    name: 'planner.notify',
    queue: 'notifications',
    payload: z.object({ notifications: z.array(draftSchema).min(1).max(1000) }),
    handler: async ({ notifications }) => {
      const delivered = await inbox.deliver(notifications, new Date().toISOString());
      return { delivered, skippedAsDuplicates: notifications.length - delivered };
    },
  });
}
