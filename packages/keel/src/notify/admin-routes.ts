import { z } from 'zod';
import { NotFoundError } from '../errors/index.js';
import { type AdminRoutesOptions, defineAdminRoutes, type HttpRoutes } from '../http/index.js';
import type { Notifier } from './notifier.js';
import type { Delivery } from './types.js';

const deliveryState = z.enum(['queued', 'sending', 'delivered', 'failed', 'skipped']);

const attemptView = z.object({
  attempt: z.number(),
  at: z.string(),
  outcome: z.string(),
  status: z.number().optional(),
  reason: z.string().optional(),
  nextAttemptAt: z.string().optional(),
});

const deliveryView = z.object({
  id: z.string(),
  notificationId: z.string(),
  channel: z.string(),
  target: z.string().nullable(),
  state: deliveryState,
  reason: z.string().nullable(),
  attempts: z.number(),
  history: z.array(attemptView),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

const notificationView = z.object({
  id: z.string(),
  recipientId: z.string(),
  type: z.string(),
  payload: z.unknown(),
  idempotencyKey: z.string(),
  createdAt: z.string(),
  deliveries: z.array(deliveryView),
});

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

function toDeliveryView(d: Delivery): z.output<typeof deliveryView> {
  return {
    ...d,
    history: d.history.map(({ nextAttemptAt, at, ...rest }) => ({
      ...rest,
      at: at.toISOString(),
      ...(nextAttemptAt ? { nextAttemptAt: nextAttemptAt.toISOString() } : {}),
    })),
    nextAttemptAt: iso(d.nextAttemptAt),
    lastAttemptAt: iso(d.lastAttemptAt),
    deliveredAt: iso(d.deliveredAt),
    createdAt: d.createdAt.toISOString(),
  };
}

const idParams = z.object({ id: z.string().min(1).max(100) });

const routes = defineAdminRoutes<Notifier>({
  capability: 'notify',
  routes: (app, notifier) => {
    app.get(
      '/notifications/:id',
      {
        schema: {
          summary: 'A notification and the state of each delivery',
          params: idParams,
          response: { 200: notificationView },
          problems: [404],
        },
      },
      async (request) => {
        const status = await notifier.status(request.params.id);
        if (!status) throw new NotFoundError(`Notification ${request.params.id} was not found`);
        return {
          ...status,
          createdAt: status.createdAt.toISOString(),
          deliveries: status.deliveries.map(toDeliveryView),
        };
      },
    );
    app.get(
      '/deliveries',
      {
        schema: {
          summary: 'Deliveries by state and channel, in id order',
          querystring: z.object({
            state: deliveryState.optional(),
            channel: z.string().min(1).max(128).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            after: z.string().min(1).max(100).optional(),
          }),
          response: { 200: z.object({ items: z.array(deliveryView) }) },
        },
      },
      async (request) => {
        const { state, channel, limit, after } = request.query;
        const items = await notifier.deliveries({
          limit,
          ...(state ? { state } : {}),
          ...(channel ? { channel } : {}),
          ...(after ? { after } : {}),
        });
        return { items: items.map(toDeliveryView) };
      },
    );
    app.post(
      '/deliveries/:id/retry',
      {
        schema: {
          summary: 'Queue a failed delivery again',
          description: 'Also a `maybe_delivered` one: the operator accepts that it may arrive twice.',
          params: idParams,
          response: { 200: deliveryView },
          problems: [404, 409],
        },
      },
      async (request) => toDeliveryView(await notifier.retryDelivery(request.params.id)),
    );
    app.get(
      '/stats',
      {
        schema: {
          summary: 'Deliveries counted by channel and state',
          response: {
            200: z.object({
              items: z.array(z.object({ channel: z.string(), state: deliveryState, count: z.number() })),
            }),
          },
        },
      },
      async () => ({ items: await notifier.stats() }),
    );
  },
});

/**
 * The notify admin routes: `GET /admin/notify/notifications/{id}`, `GET /admin/notify/deliveries`,
 * `POST /admin/notify/deliveries/{id}/retry`, `GET /admin/notify/stats`. `defineNotifications`
 * mounts them behind the admin guard.
 *
 * @example
 * ```ts
 * http.routes(notifyAdminRoutes(notifier, { guard: guards.admin }));
 * ```
 */
export function notifyAdminRoutes(notifier: Notifier, options: AdminRoutesOptions): HttpRoutes {
  return routes(notifier, options);
}
