import { ForbiddenError, NotFoundError } from 'keel/errors';
import type { HttpRoutes } from 'keel/http';
import type { Store } from 'keel/store';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { idOrNotFound } from '../common/ids.js';
import type { PlannerDatabase } from '../db/schema.js';
import { notificationRepository as inbox, type NotificationRow } from './repository.js';

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

function toView(row: NotificationRow): z.infer<typeof notificationSchema> {
  return {
    id: row.id,
    type: row.type,
    eventId: row.event_id,
    message: row.message,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

/** The in-app inbox: list, mark one read, mark all read. */
export function notificationRoutes(auth: Authenticator, store: Store<PlannerDatabase>): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', auth.required);

    app.get(
      '/api/v1/notifications',
      {
        schema: {
          tags: ['notifications'],
          summary: "The caller's notifications, newest first",
          security,
          querystring: listQuery,
          response: { 200: z.object({ items: z.array(notificationSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { unread, limit, cursor } = request.query;
        const rows = await inbox.page(store.db, auth.principal(request).id, {
          unread,
          limit: limit + 1,
          ...(cursor ? { after: decodeCursor(cursor) } : {}),
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map(toView),
          nextCursor: rows.length > limit && last ? encodeCursor({ key: last.created_at, id: last.id }) : null,
        };
      },
    );

    app.post(
      '/api/v1/notifications/:notificationId/read',
      {
        schema: {
          tags: ['notifications'],
          summary: 'Mark one notification read',
          security,
          params: z.object({ notificationId: z.string().max(100) }),
          response: { 200: notificationSchema },
        },
      },
      async (request) => {
        const id = idOrNotFound(request.params.notificationId, 'Notification');
        const row = await inbox.find(store.db, id);
        if (!row) throw new NotFoundError(`Notification ${id} was not found`);
        if (row.user_id !== auth.principal(request).id) throw new ForbiddenError('This notification is not yours');
        await inbox.markRead(store.db, id, new Date().toISOString());
        return toView((await inbox.find(store.db, id))!);
      },
    );

    app.post(
      '/api/v1/notifications/read-all',
      {
        schema: {
          tags: ['notifications'],
          summary: "Mark every one of the caller's notifications read",
          security,
          response: { 200: z.object({ updated: z.number() }) },
        },
      },
      async (request) => ({
        updated: await inbox.markAllRead(store.db, auth.principal(request).id, new Date().toISOString()),
      }),
    );
  };
}
