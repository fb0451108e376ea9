import { type Logger, pino } from 'pino';
import { z } from 'zod';
import type { AppConfig, Feature, FeatureContext } from '../app/index.js';
import { defineFeature } from '../app/index.js';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import type { HealthCheck } from '../health/index.js';
import { defineJob, type JobQueue } from '../jobs/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import type { Component } from '../service/index.js';
import { type Store, Store as StoreClass } from '../store/index.js';
import { notifyAdminRoutes } from './admin-routes.js';
import type { BoundChannel, NotifyChannel } from './channel.js';
import { notifyMetrics } from './metrics.js';
import { type DeliverJob, Notifier } from './notifier.js';
import { type NotifyTables, notifyMigrations, type RecipientReference } from './schema.js';
import type { NotificationOf, NotificationTypes } from './types.js';

/**
 * What {@link defineNotifications} is given.
 *
 * @example
 * ```ts
 * const definition: NotificationsDefinition<typeof types, Database, Config> = { types, channels: () => ({ inbox }) };
 * ```
 */
export interface NotificationsDefinition<T extends NotificationTypes, DB, C extends AppConfig> {
  /** The feature's name. @defaultValue `notifications` */
  name?: string;
  /** Every notification type the service sends, by name. */
  types: T;
  /** The channels by name (the names `types` list), built from the service's context. */
  channels: (app: FeatureContext<DB, C>) => Record<string, NotifyChannel<NotificationOf<T>>>;
  /** A foreign key from notifications to the recipients (`on delete cascade`). @defaultValue none */
  recipients?: RecipientReference;
  /**
   * Prefix of notify's migration names in the service's set: choose one that sorts after the
   * recipients' table. @defaultValue `0000`
   */
  migrationPrefix?: string;
  /** The job queue deliveries run on. @defaultValue `notify` */
  queue?: string;
  /** How long deliveries of a channel that is not configured wait before they look again. @defaultValue 60000 */
  unconfiguredRetryMs?: number;
  /** The clock (epoch ms) of notifications, attempts and schedules; for tests. @defaultValue Date.now */
  clock?: () => number;
  /** Mount the admin routes (`/admin/notify/…`, behind the admin guard). @defaultValue true */
  adminRoutes?: boolean;
}

const typeSchema = z.object({
  payload: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema'),
  channels: z.array(option.name()).min(1, 'must name at least one channel'),
  critical: z.boolean().optional(),
});

const definitionSchema = z.object({
  name: option.name().default('notifications'),
  types: z.record(option.name(), typeSchema).refine((t) => Object.keys(t).length > 0, 'must declare a type'),
  channels: option.fn(),
  recipients: z
    .object({
      table: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
      column: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
    })
    .optional(),
  migrationPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/)
    .default('0000'),
  queue: option.name().default('notify'),
  unconfiguredRetryMs: option.positiveDurationMs().default(60_000),
  clock: option.fn<() => number>().optional(),
  adminRoutes: z.boolean().default(true),
});

/**
 * Declares a service's notifications as a Keel feature: its types, channels and tables, the durable
 * delivery job (`keel.notify.deliver`), metrics (`keel_notify_*`), readiness checks and admin
 * routes. Other features reach the {@link Notifier} with `app.use(notifications)`.
 *
 * @example
 * ```ts
 * export const notifications = defineNotifications({
 *   types: { 'release.found': { payload: z.object({ title: z.string() }), channels: ['telegram', 'inbox'] } },
 *   channels: (app: AppContext) => ({
 *     inbox: inboxChannel({ render: (n) => ({ message: n.payload.title }) }),
 *     telegram: telegramChannel({ botToken: app.config.TELEGRAM_BOT_TOKEN, render: (n) => ({ text: n.payload.title }) }),
 *   }),
 *   recipients: { table: 'users', column: 'id' },
 *   migrationPrefix: '2026_12_08_000',
 * });
 * // createApp({ features: [accounts, notifications, watchlist] }); in watchlist: const notifier = app.use(notifications);
 * ```
 */
export function defineNotifications<T extends NotificationTypes, DB, C extends AppConfig = AppConfig>(
  definition: NotificationsDefinition<T, DB, C>,
): Feature<Notifier<T>, DB, C> {
  const settings = checkOptions('defineNotifications', definitionSchema, definition);
  return defineFeature<Notifier<T>, DB, C>({
    name: settings.name,
    setup: (app) => {
      const built = buildNotifier<T>({
        store: app.store as unknown as Store<NotifyTables>,
        jobs: app.jobs as unknown as JobQueue<NotifyTables>,
        types: definition.types,
        channels: definition.channels(app),
        logger: app.logger,
        metrics: app.metrics,
        clock: definition.clock ?? Date.now,
        queue: settings.queue,
        unconfiguredRetryMs: settings.unconfiguredRetryMs,
      });
      const { notifier, deliver, components, health } = built;
      return {
        migrations: notifyMigrations(settings.migrationPrefix, settings.recipients),
        jobs: [deliver],
        components,
        health,
        ...(settings.adminRoutes
          ? { routes: notifyAdminRoutes(notifier as unknown as Notifier, { guard: app.guards.admin }) }
          : {}),
        exports: notifier,
      };
    },
  });
}

/** What {@link buildNotifier} needs. */
interface BuildParts<T extends NotificationTypes> {
  store: Store<NotifyTables>;
  jobs: JobQueue<NotifyTables> | undefined;
  types: T;
  channels: Record<string, NotifyChannel<NotificationOf<T>>>;
  logger: Logger;
  metrics: MetricsRegistry;
  clock: () => number;
  queue: string;
  unconfiguredRetryMs: number;
}

/** Binds the channels, checks the types against them, and makes the notifier and its delivery job. */
function buildNotifier<T extends NotificationTypes>(parts: BuildParts<T>) {
  const { store, clock: now } = parts;
  const channels = new Map<string, BoundChannel>();
  for (const [name, channel] of Object.entries(parts.channels)) {
    if (typeof channel?.bind !== 'function') {
      throw new UsageError(`notify: channels.${name} must be a channel (inboxChannel, telegramChannel…)`);
    }
    const logger = parts.logger.child({ channel: name });
    channels.set(name, channel.bind({ name, store, logger, metrics: parts.metrics, now }) as BoundChannel);
  }
  for (const [type, def] of Object.entries(parts.types)) {
    const unknown = def.channels.filter((c) => !channels.has(c));
    if (unknown.length > 0)
      throw new UsageError(`notify: type "${type}" names unknown channels: ${unknown.join(', ')}`);
  }
  const notifier = new Notifier<T>({
    store,
    jobs: parts.jobs,
    types: parts.types,
    channels,
    logger: parts.logger,
    metrics: notifyMetrics(parts.metrics),
    now,
    unconfiguredRetryMs: parts.unconfiguredRetryMs,
  });
  const deliver: DeliverJob = defineJob({
    name: 'keel.notify.deliver',
    queue: parts.queue,
    payload: z.object({ deliveryId: z.string().min(1).max(100) }),
    // The handler keeps the delivery's own attempts and schedule; these cover store failures.
    maxAttempts: 10,
    backoff: { type: 'exponential', baseMs: 1000, maxMs: 60_000 },
    handler: ({ deliveryId }, ctx) => notifier.deliver(deliveryId, ctx.signal),
  });
  notifier.useDeliverJob(deliver);
  const bound = [...channels.values()];
  const components: Component[] = bound.flatMap((c) => c.components ?? []);
  const health: HealthCheck[] = bound.flatMap((c) => c.health ?? []);
  return { notifier, deliver, components, health };
}

/**
 * Options of {@link createNotifier}.
 *
 * @example
 * ```ts
 * const options: CreateNotifierOptions<typeof types> = { store, types, channels: { inbox } };
 * ```
 */
export interface CreateNotifierOptions<T extends NotificationTypes> {
  /** The store holding notify's tables (migrated by the service's `defineNotifications` feature). */
  store: Store<unknown>;
  /** The queue of outbound deliveries; it must know `notifier.deliveryJob`. @defaultValue none: inbox-only */
  jobs?: JobQueue<unknown>;
  types: T;
  channels: Record<string, NotifyChannel<NotificationOf<T>>>;
  /** @defaultValue a registry of its own */
  metrics?: MetricsRegistry;
  /** @defaultValue a silent logger */
  logger?: Logger;
  /** @defaultValue Date.now */
  clock?: () => number;
  /** @defaultValue `notify` */
  queue?: string;
}

/**
 * A notifier outside a feature: over a store whose notify tables a `defineNotifications` feature
 * migrates; inbox-only without `jobs`. Components of outbound channels are the caller's to start.
 *
 * @example
 * ```ts
 * const inboxOnly = createNotifier({ store, types, channels: { inbox: inboxChannel({ render: (n) => ({ message: n.payload.message }) }) } });
 * await inboxOnly.notifyMany(undefined, drafts);
 * ```
 */
export function createNotifier<T extends NotificationTypes>(options: CreateNotifierOptions<T>): Notifier<T> {
  if (!(options?.store instanceof StoreClass)) throw new UsageError('createNotifier: store must be a Keel store');
  return buildNotifier<T>({
    store: options.store as unknown as Store<NotifyTables>,
    jobs: options.jobs as unknown as JobQueue<NotifyTables> | undefined,
    types: options.types,
    channels: options.channels,
    logger: options.logger ?? pino({ level: 'silent' }),
    metrics: options.metrics ?? new MetricsRegistry(),
    clock: options.clock ?? Date.now,
    queue: options.queue ?? 'notify',
    unconfiguredRetryMs: 60_000,
  }).notifier;
}
