import { defineJob, type JobQueue } from 'keel/jobs';
import type { Store } from 'keel/store';
import { z } from 'zod';
import type { PlannerDatabase } from '../database.js';
import { NotificationRepository } from '../notifications/repository.js';
import type { EventChange } from './changes.js';
import { EventRepository } from './repository.js';

/** The reminder job's type name, part of the (type, dedupe key) pair that finds an event's reminder. */
export const REMINDER_JOB = 'planner.event-reminder';

/** How early a reminder job may run and still remind (clock skew between processes, poll delay). */
const EARLY_SLACK_MS = 5000;

const reminderKey = (eventId: string): string => `reminder:${eventId}`;

/**
 * The job that reminds an event's participants (all but those who declined) before it starts. It reads
 * the event when it runs, so a moved event reminds of its new time and a deleted one reminds nobody.
 */
export function reminderJob(store: Store<PlannerDatabase>, reminderMinutes: number) {
  const events = new EventRepository(store);
  const inbox = new NotificationRepository(store);
  return defineJob({
    name: REMINDER_JOB,
    queue: 'notifications',
    payload: z.object({ eventId: z.string() }),
    handler: async ({ eventId }, ctx) => {
      const event = await events.find(eventId);
      if (!event) return { reminded: 0, reason: 'event deleted' };
      const startsAt = event.starts_at;
      // Moved later while this job was already running: the job enqueued for the new time reminds.
      if (Date.parse(startsAt) - reminderMinutes * 60_000 > Date.now() + EARLY_SLACK_MS) {
        return { reminded: 0, reason: 'not due yet' };
      }
      const participants = await events.participants([eventId]);
      const recipients = participants.filter((p) => p.status !== 'declined');
      const now = Date.now();
      const message = `"${event.title}" starts in ${minutesLeft(startsAt, reminderMinutes, now)} (${startsAt.slice(11, 16)} UTC).`;
      const delivered = await inbox.deliver(
        recipients.map((p) => ({
          userId: p.user_id,
          type: 'event_reminder' as const,
          eventId,
          message,
          // One reminder per event and start time: moving the event earns a new one, a retry does not,
          // and another event at the same time keeps its own.
          sourceKey: `reminder:${eventId}:${startsAt}`,
        })),
        new Date(now).toISOString(),
      );
      ctx.logger.debug({ eventId, delivered }, 'reminders delivered');
      return { reminded: delivered };
    },
  });
}

/** The time left before the start, in words: the reminder may run late, or be due at once for a near event. */
function minutesLeft(startsAt: string, reminderMinutes: number, now: number): string {
  const minutes = Math.min(reminderMinutes, Math.max(0, Math.round((Date.parse(startsAt) - now) / 60_000)));
  if (minutes === 0) return 'less than a minute';
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** When an event's reminder is due, or undefined when the event has already started. */
export function reminderDueAt(startsAt: string, reminderMinutes: number, now = Date.now()): Date | undefined {
  const start = Date.parse(startsAt);
  if (start <= now) return undefined;
  return new Date(Math.max(now, start - reminderMinutes * 60_000));
}

/**
 * Keeps each event's reminder job in step with the event, in the transaction that changes it:
 * created -> enqueued, moved -> rescheduled, deleted -> cancelled.
 */
export class Reminders {
  readonly type: ReturnType<typeof reminderJob>;

  constructor(
    store: Store<PlannerDatabase>,
    private readonly jobs: JobQueue<PlannerDatabase>,
    private readonly minutes: number,
  ) {
    this.type = reminderJob(store, minutes);
  }

  /** An {@link EventChange} listener; what it changes joins the change's transaction. */
  sync = async (change: EventChange): Promise<void> => {
    const { jobs } = this;
    const ref = { type: REMINDER_JOB, dedupeKey: reminderKey(change.event.id) };
    if (change.kind === 'deleted') {
      await jobs.cancel(ref);
      return;
    }
    if (change.kind === 'status_changed') return;
    if (change.kind === 'updated' && change.before.startsAt === change.event.startsAt) return;
    const due = reminderDueAt(change.event.startsAt, this.minutes);
    if (!due) {
      if (change.kind === 'updated') await jobs.cancel(ref);
      return;
    }
    if (change.kind === 'updated') {
      if (await jobs.reschedule(ref, due)) return;
      // A reminder running right now holds the key: cancel it so the new time gets its own job.
      await jobs.cancel(ref);
    }
    // No waiting reminder (a new event, or the old reminder already ran): enqueue one.
    await jobs.enqueue(this.type, { eventId: change.event.id }, { runAt: due, dedupeKey: ref.dedupeKey });
  };
}
