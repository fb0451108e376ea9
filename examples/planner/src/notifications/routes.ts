import type { AuthGuards, HttpRoutes } from 'keel/http';
import { z } from 'zod';
import type { InboxService } from './service.js';

const notificationSchema = z.object({
  id: z.string(),
  type: z.string(),
  eventId: z.string().nullable(),
  message: z.string(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});
const listQuery = z.object({
  unread: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});
const security = [{ bearerAuth: [] }];

/** The in-app inbox: list, mark one read, mark all read. */
export function notificationRoutes(inbox: InboxService, guards: AuthGuards): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', guards.authenticated);

    app.get(
      '/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: "The caller's notifications, newest first",
          security,
          querystring: listQuery,
          response: { 200: z.object({ items: z.array(notificationSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => inbox.list(request.principal.id, request.query),
    );

    app.post(
      '/notifications/:notificationId/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark one notification read',
          security,
          params: z.object({ notificationId: z.string().max(100) }),
          response: { 200: notificationSchema },
        },
      },
      async (request) => inbox.markRead(request.principal.id, request.params.notificationId),
    );

    app.post(
      '/notifications/read-all',
      {
        schema: {
          tags: ['notifications'],
          summary: "Mark every one of the caller's notifications read",
          security,
          response: { 200: z.object({ updated: z.number() }) },
        },
      },
      async (request) => inbox.markAllRead(request.principal.id),
    );
  };
}
