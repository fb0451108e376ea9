import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An ISO 8601 date-time with an offset, normalized to UTC with milliseconds (sortable as text). */
const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-12-01T09:00:00Z' })
  .transform((value) => new Date(value))
  .refine((date) => date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999, 'must be between 1970 and 9999')
  .transform((date) => date.toISOString());

/** The body of `POST /events` and `PUT /events/{eventId}`. */
export const eventInputSchema = z
  .object({
    title: z.string().trim().min(1, 'must not be blank').max(200),
    description: z.string().max(5000).nullish(),
    startsAt: instant,
    endsAt: instant,
    location: z.string().trim().max(500).nullish(),
    participantIds: z
      .array(z.string().regex(UUID, 'must be a user id'))
      .max(500)
      .optional()
      .transform((ids) => (ids === undefined ? undefined : [...new Set(ids.map((id) => id.toLowerCase()))])),
  })
  .refine((event) => event.endsAt > event.startsAt, { path: ['endsAt'], message: 'must be after startsAt' });

/** A validated event body. */
export type EventInput = z.output<typeof eventInputSchema>;

/** RSVP answers a participant may give. */
export const rsvpSchema = z.object({ status: z.enum(['accepted', 'declined', 'tentative']) });

/** Query of `GET /events`. */
export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

/** An event as the API shows it. */
export const eventSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  location: z.string().nullable(),
  organizerId: z.string(),
  participants: z.array(
    z.object({ userId: z.string(), status: z.enum(['pending', 'accepted', 'declined', 'tentative']) }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** An event as the API shows it. */
export type EventView = z.infer<typeof eventSchema>;

/** A page of events. */
export const eventPageSchema = z.object({ items: z.array(eventSchema), nextCursor: z.string().nullable() });
