import type { AuthGuards, HttpRoutes } from 'keel/http';
import { z } from 'zod';
import { eventInputSchema, eventPageSchema, eventSchema, listQuerySchema, rsvpSchema } from './schemas.js';
import type { EventService } from './service.js';

const eventParams = z.object({ eventId: z.string().max(100) });
const participantParams = z.object({ eventId: z.string().max(100), userId: z.string().max(100) });
const security = [{ bearerAuth: [] }];

/** The events API: CRUD for organizers, RSVP for participants. */
export function eventRoutes(events: EventService, guards: AuthGuards): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', guards.authenticated);

    app.post(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Create an event',
          security,
          body: eventInputSchema,
          response: { 201: eventSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await events.create(request.principal.id, request.body)),
    );

    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Events the caller organizes or joins, by start time',
          security,
          querystring: listQuerySchema,
          response: { 200: eventPageSchema },
        },
      },
      async (request) => events.list(request.principal.id, request.query.limit, request.query.cursor),
    );

    app.get(
      '/events/:eventId',
      {
        schema: {
          tags: ['events'],
          summary: 'One event',
          security,
          params: eventParams,
          response: { 200: eventSchema },
        },
      },
      async (request) => events.get(request.principal.id, request.params.eventId),
    );

    app.put(
      '/events/:eventId',
      {
        schema: {
          tags: ['events'],
          summary: 'Replace an event (organizer only)',
          security,
          params: eventParams,
          body: eventInputSchema,
          response: { 200: eventSchema },
        },
      },
      async (request) => events.update(request.principal.id, request.params.eventId, request.body),
    );

    app.delete(
      '/events/:eventId',
      {
        schema: {
          tags: ['events'],
          summary: 'Delete an event (organizer only)',
          security,
          params: eventParams,
          response: { 204: z.null().describe('Deleted') },
        },
      },
      async (request, reply) => {
        await events.remove(request.principal.id, request.params.eventId);
        return reply.status(204).send(null);
      },
    );

    app.patch(
      '/events/:eventId/participants/:userId/status',
      {
        schema: {
          tags: ['events'],
          summary: "Answer an invitation (the participant's own)",
          security,
          params: participantParams,
          body: rsvpSchema,
          response: { 200: eventSchema },
        },
      },
      async (request) =>
        events.setStatus(request.principal.id, request.params.eventId, request.params.userId, request.body.status),
    );
  };
}
