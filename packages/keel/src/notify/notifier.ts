import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ConflictError, NotFoundError, UsageError, ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { JobQueue, JobType } from '../jobs/index.js';
import type { Store } from '../store/index.js';
import type { BoundChannel, ChannelAttempt, SendOutcome } from './channel.js';
import { Inbox } from './inbox.js';
import type { NotifyMetrics } from './metrics.js';
import { NotificationPreferences } from './preferences.js';
import { appendAttempt, type StoredAttempt, toDelivery, toNotification } from './rows.js';
import type { DeliveryRow, NotifyTables } from './schema.js';
import { TelegramChats } from './telegram/chats.js';
import type {
  Delivery,
  DeliveryState,
  Notification,
  NotificationStatus,
  NotificationTypes,
  NotifyResult,
} from './types.js';
import { WebhookEndpoints } from './webhook/endpoints.js';

/**
 * One notification to send: who, what type, its payload, and the key that makes sending it again
 * a no-op (unique per recipient).
 *
 * @example
 * ```ts
 * const input: NotifyInput<typeof types> = { recipientId: user.id, type: 'release.found', payload: { title }, idempotencyKey: `release:${guid}` };
 * ```
 */
export type NotifyInput<T extends NotificationTypes> = {
  [K in keyof T & string]: {
    recipientId: string;
    type: K;
    payload: z.input<T[K]['payload']>;
    idempotencyKey: string;
  };
}[keyof T & string];

/**
 * What to list of deliveries.
 *
 * @example
 * ```ts
 * const query: DeliveryQuery = { state: 'failed', channel: 'telegram', limit: 50 };
 * ```
 */
export interface DeliveryQuery {
  state?: DeliveryState;
  channel?: string;
  /** 1-500. @defaultValue 100 */
  limit?: number;
  /** Deliveries with an id after this one (the last of the previous page). @defaultValue none */
  after?: string;
}

const inputSchema = z.object({
  recipientId: z.string('must be a string').min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  type: z.string('must be a string').min(1, 'must not be empty'),
  payload: z.unknown(),
  idempotencyKey: z.string('must be a string').min(1, 'must not be empty').max(512, 'must be at most 512 characters'),
});

/** The job that runs one delivery attempt. */
export type DeliverJob = JobType<{ deliveryId: string }, { deliveryId: string }, { state: string }>;

/** How a notifier is built by its feature. */
export interface NotifierParts<T extends NotificationTypes> {
  store: Store<NotifyTables>;
  jobs: JobQueue<NotifyTables> | undefined;
  types: T;
  channels: ReadonlyMap<string, BoundChannel>;
  logger: Logger;
  metrics: NotifyMetrics;
  now: () => number;
  /** How long an unconfigured channel's deliveries wait before they look again. */
  unconfiguredRetryMs: number;
}

/**
 * A service's notifications: `notify` in a transaction, delivery state, preferences, the inbox,
 * Telegram chats and webhook endpoints. Get it with `app.use(notifications)`.
 *
 * @example
 * ```ts
 * await store.transaction(async (trx) => {
 *   await trx.insertInto('releases').values(release).execute();
 *   await notifier.notify(trx, { recipientId: item.userId, type: 'release.found', payload: { title: release.title }, idempotencyKey: `release:${release.id}` });
 * });
 * ```
 */
export class Notifier<T extends NotificationTypes = NotificationTypes> {
  /** The in-app inbox: list, unread count, mark read. */
  readonly inbox: Inbox;
  /** Per-recipient channel preferences. */
  readonly preferences: NotificationPreferences;
  /** Recipients' Telegram chats: link, look up, unlink. */
  readonly telegram: TelegramChats;
  /** Recipients' webhook endpoints: add, list, rotate secrets, enable, remove. */
  readonly webhooks: WebhookEndpoints;
  private deliverJob: DeliverJob | undefined;

  constructor(private readonly parts: NotifierParts<T>) {
    this.inbox = new Inbox(parts.store, parts.now);
    this.preferences = new NotificationPreferences(
      parts.store,
      { types: new Set(Object.keys(parts.types)), channels: new Set(parts.channels.keys()) },
      parts.now,
    );
    this.telegram = new TelegramChats(parts.store, parts.now);
    const webhook = [...parts.channels.values()].find((c) => c.kind === 'webhook') as
      | (BoundChannel & { allowPrivateTargets?: boolean })
      | undefined;
    this.webhooks = new WebhookEndpoints(parts.store, parts.now, webhook?.allowPrivateTargets ?? false);
  }

  /** Set by the feature: the job type deliveries run as. */
  useDeliverJob(job: DeliverJob): void {
    this.deliverJob = job;
  }

  private db(trx?: Transaction<unknown>): Kysely<NotifyTables> {
    return (
      (trx as Transaction<NotifyTables> | undefined) ?? this.parts.store.currentTransaction() ?? this.parts.store.db
    );
  }

  /**
   * Creates a notification and its deliveries inside `trx` (a store transaction; `undefined` joins
   * the caller's `store.transaction(...)` or opens one): one delivery job per (notification, channel
   * [, endpoint]), written with the business rows, so it exists if and only if they commit. The
   * same (recipient, idempotency key) again answers the first notification with `created: false`.
   * An unknown type is a UsageError, a bad payload a ValidationError.
   */
  async notify<DB>(trx: Transaction<DB> | undefined, input: NotifyInput<T>): Promise<NotifyResult> {
    const [result] = await this.notifyMany(trx, [input]);
    return result!;
  }

  /** {@link Notifier.notify} for many notifications (a broadcast), all in `trx`. */
  async notifyMany<DB>(trx: Transaction<DB> | undefined, inputs: readonly NotifyInput<T>[]): Promise<NotifyResult[]> {
    const checked = inputs.map((input, index) => this.check(input, inputs.length > 1 ? `items.${index}.` : ''));
    const given = trx as unknown as Transaction<NotifyTables> | undefined;
    if (given) return this.write(given, checked);
    return this.parts.store.transaction((inner) => this.write(inner, checked));
  }

  private check(input: NotifyInput<T>, prefix: string) {
    const parsed = inputSchema.safeParse(input);
    if (!parsed.success) {
      throw new UsageError(
        `notify: ${parsed.error.issues.map((i) => `${prefix}${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    const definition = Object.hasOwn(this.parts.types, parsed.data.type)
      ? this.parts.types[parsed.data.type]
      : undefined;
    if (!definition) {
      throw new UsageError(`notify: unknown notification type "${parsed.data.type}"`);
    }
    const payload = definition.payload.safeParse(parsed.data.payload);
    if (!payload.success) throw new ValidationError(zodIssuesToFieldErrors(payload.error.issues, 'payload'));
    return { ...parsed.data, payload: payload.data as unknown, definition };
  }

  private async write(
    trx: Transaction<NotifyTables>,
    items: ReturnType<Notifier<T>['check']>[],
  ): Promise<NotifyResult[]> {
    const results: NotifyResult[] = [];
    for (const item of items) results.push(await this.writeOne(trx, item));
    return results;
  }

  private async writeOne(
    trx: Transaction<NotifyTables>,
    item: ReturnType<Notifier<T>['check']>,
  ): Promise<NotifyResult> {
    const now = this.parts.now();
    const notification: Notification = {
      id: randomUUID(),
      recipientId: item.recipientId,
      type: item.type,
      payload: item.payload,
      idempotencyKey: item.idempotencyKey,
      createdAt: new Date(now),
    };
    const inserted = await trx
      .insertInto('keel_notify_notification')
      .values({
        id: notification.id,
        recipient_id: notification.recipientId,
        type: notification.type,
        payload: JSON.stringify(notification.payload ?? null),
        idempotency_key: notification.idempotencyKey,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['recipient_id', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      const existing = await trx
        .selectFrom('keel_notify_notification')
        .select('id')
        .where('recipient_id', '=', item.recipientId)
        .where('idempotency_key', '=', item.idempotencyKey)
        .executeTakeFirstOrThrow();
      const deliveries = await trx
        .selectFrom('keel_notify_delivery')
        .select(['id', 'channel', 'target', 'state'])
        .where('notification_id', '=', existing.id)
        .execute();
      return {
        id: existing.id,
        created: false,
        deliveries: deliveries.map((d) => ({ ...d, state: d.state as DeliveryState })),
      };
    }
    this.parts.metrics.notifications.inc({ type: notification.type });
    const channelNames = item.definition.channels;
    const off = item.definition.critical
      ? new Set<string>()
      : await this.preferences.disabledChannels(trx, notification.recipientId, notification.type, channelNames);
    const deliveries: NotifyResult['deliveries'] = [];
    const rows: DeliveryRow[] = [];
    const add = (channel: string, target: string | null, state: DeliveryState, reason: string | null) => {
      const row: DeliveryRow = {
        id: randomUUID(),
        notification_id: notification.id,
        channel,
        target,
        state,
        reason,
        attempts: 0,
        history: '[]',
        next_attempt_at: state === 'queued' ? now : null,
        last_attempt_at: null,
        delivered_at: state === 'delivered' ? now : null,
        created_at: now,
        updated_at: now,
      };
      rows.push(row);
      deliveries.push({ id: row.id, channel, target, state });
      if (state !== 'queued') this.parts.metrics.deliveries.inc({ channel, outcome: state });
    };
    for (const name of channelNames) {
      const channel = this.parts.channels.get(name)!;
      if (off.has(name)) {
        add(name, null, 'skipped', 'preference');
        continue;
      }
      if (channel.deliverInTransaction) {
        await channel.deliverInTransaction(trx, notification);
        add(name, null, 'delivered', null);
        continue;
      }
      const found = await channel.targets(trx, notification.recipientId);
      if ('skip' in found) add(name, null, 'skipped', found.skip);
      else for (const target of found.targets) add(name, target, 'queued', null);
    }
    if (rows.length > 0) await trx.insertInto('keel_notify_delivery').values(rows).execute();
    const queued = rows.filter((r) => r.state === 'queued');
    if (queued.length > 0) {
      await this.queue().enqueueMany(
        this.job(),
        queued.map((r) => ({ payload: { deliveryId: r.id }, options: { dedupeKey: `${r.id}:0` } })),
        { transaction: trx },
      );
    }
    return { id: notification.id, created: true, deliveries };
  }

  private job(): DeliverJob {
    if (!this.deliverJob) throw new UsageError('The notifier is used before its feature was set up');
    return this.deliverJob;
  }

  private queue(): JobQueue<NotifyTables> {
    if (!this.parts.jobs) throw new UsageError('This notifier has no job queue: it delivers to the inbox only');
    return this.parts.jobs;
  }

  /** The job type outbound deliveries run as (`keel.notify.deliver`): the queue must know it. */
  get deliveryJob(): DeliverJob {
    return this.job();
  }

  /** A notification with every delivery, or undefined. */
  async status(notificationId: string): Promise<NotificationStatus | undefined> {
    const row = await this.db()
      .selectFrom('keel_notify_notification')
      .selectAll()
      .where('id', '=', notificationId)
      .executeTakeFirst();
    if (!row) return undefined;
    const deliveries = await this.db()
      .selectFrom('keel_notify_delivery')
      .selectAll()
      .where('notification_id', '=', notificationId)
      .orderBy('channel')
      .orderBy('id')
      .execute();
    return { ...toNotification(row), deliveries: deliveries.map(toDelivery) };
  }

  /** The notification a recipient got for an idempotency key, with its deliveries, or undefined. */
  async find(ref: { recipientId: string; idempotencyKey: string }): Promise<NotificationStatus | undefined> {
    const row = await this.db()
      .selectFrom('keel_notify_notification')
      .select('id')
      .where('recipient_id', '=', ref.recipientId)
      .where('idempotency_key', '=', ref.idempotencyKey)
      .executeTakeFirst();
    return row ? this.status(row.id) : undefined;
  }

  /** One delivery, or undefined. */
  async delivery(deliveryId: string): Promise<Delivery | undefined> {
    const row = await this.db()
      .selectFrom('keel_notify_delivery')
      .selectAll()
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    return row ? toDelivery(row) : undefined;
  }

  /** Deliveries by state and channel, in id order. */
  async deliveries(query: DeliveryQuery = {}): Promise<Delivery[]> {
    let select = this.db().selectFrom('keel_notify_delivery').selectAll();
    if (query.state) select = select.where('state', '=', query.state);
    if (query.channel) select = select.where('channel', '=', query.channel);
    if (query.after) select = select.where('id', '>', query.after);
    const rows = await select
      .orderBy('id')
      .limit(Math.min(Math.max(query.limit ?? 100, 1), 500))
      .execute();
    return rows.map(toDelivery);
  }

  /** Counts of deliveries by channel and state. */
  async stats(): Promise<{ channel: string; state: DeliveryState; count: number }[]> {
    const rows = await this.db()
      .selectFrom('keel_notify_delivery')
      .select(['channel', 'state', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(['channel', 'state'])
      .orderBy('channel')
      .orderBy('state')
      .execute();
    return rows.map((r) => ({ channel: r.channel, state: r.state as DeliveryState, count: Number(r.n) }));
  }

  /**
   * Deletes notifications created before `before` that have no open delivery and no inbox item
   * left (prune read items with `inbox.deleteReadBefore` first), with their deliveries; answers how
   * many. Their idempotency keys can be used again afterwards.
   */
  async prune(before: Date): Promise<number> {
    const result = await this.db()
      .deleteFrom('keel_notify_notification')
      .where('created_at', '<', before.getTime())
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('keel_notify_delivery')
              .select('keel_notify_delivery.id')
              .whereRef('keel_notify_delivery.notification_id', '=', 'keel_notify_notification.id')
              .where('keel_notify_delivery.state', 'in', ['queued', 'sending']),
          ),
        ),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('keel_notify_inbox')
              .select('keel_notify_inbox.id')
              .whereRef('keel_notify_inbox.notification_id', '=', 'keel_notify_notification.id'),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Queues a failed delivery again (a `maybe_delivered` one too: the operator decides); a
   * delivery in any other state is a ConflictError, an unknown one a NotFoundError.
   */
  async retryDelivery(deliveryId: string): Promise<Delivery> {
    return this.parts.store.transaction(async (trx) => {
      const row = await trx
        .selectFrom('keel_notify_delivery')
        .selectAll()
        .where('id', '=', deliveryId)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`Delivery ${deliveryId} was not found`);
      if (row.state !== 'failed') throw new ConflictError(`Delivery ${deliveryId} is ${row.state}, not failed`);
      const now = this.parts.now();
      await trx
        .updateTable('keel_notify_delivery')
        .set({ state: 'queued', reason: null, attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', '=', deliveryId)
        .execute();
      await this.queue().enqueue(
        this.job(),
        { deliveryId },
        { transaction: trx, dedupeKey: `${deliveryId}:retry:${now}` },
      );
      return toDelivery({ ...row, state: 'queued', reason: null, attempts: 0, next_attempt_at: now, updated_at: now });
    });
  }

  /** Runs one attempt of a delivery: the handler of the delivery job. */
  async deliver(deliveryId: string, signal: AbortSignal): Promise<{ state: string }> {
    const { store, now } = this.parts;
    const row = await store.db
      .selectFrom('keel_notify_delivery')
      .selectAll()
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) return { state: 'gone' };
    if (row.state !== 'queued' && row.state !== 'sending') return { state: row.state };
    const channel = this.parts.channels.get(row.channel);
    if (!channel?.send) return this.finish(row, { kind: 'failed', reason: `unknown channel "${row.channel}"` }, now());
    const started = now();
    if (row.state === 'sending' && channel.atMostOnce) {
      // The last attempt was cut off after it may have sent (a crash): never send it again.
      return this.finish(row, { kind: 'maybe', reason: 'maybe_delivered: interrupted while sending' }, started);
    }
    if (!channel.configured) {
      await this.reschedule(row, started + this.parts.unconfiguredRetryMs, 'channel not configured');
      return { state: 'queued' };
    }
    const notificationRow = await store.db
      .selectFrom('keel_notify_notification')
      .selectAll()
      .where('id', '=', row.notification_id)
      .executeTakeFirstOrThrow();
    let marked = false;
    const markSending = async (): Promise<boolean> => {
      const at = now();
      const result = await store.db
        .updateTable('keel_notify_delivery')
        .set({ state: 'sending', attempts: row.attempts + 1, last_attempt_at: at, updated_at: at })
        .where('id', '=', deliveryId)
        .where('state', '=', row.state)
        .where('attempts', '=', row.attempts)
        .executeTakeFirst();
      marked = Number(result.numUpdatedRows) === 1;
      return marked;
    };
    const attempt: ChannelAttempt = {
      deliveryId,
      target: row.target,
      attempt: row.attempts + 1,
      notification: toNotification(notificationRow),
      signal,
      markSending,
    };
    const before = await channel.beforeSend?.(attempt);
    if (before && 'skip' in before) return this.finish(row, { kind: 'skipped', reason: before.skip }, started);
    if (before) {
      this.parts.metrics.deliveries.inc({ channel: row.channel, outcome: 'throttled' });
      await this.reschedule(row, before.waitUntilMs, before.reason);
      return { state: 'queued' };
    }
    // Committed before the request: a crash from here on leaves `sending`, which tells the next run.
    // A channel that waits for a turn just before its request (Telegram's bot limit) marks it there.
    if (!channel.marksSending && !(await markSending())) return { state: 'raced' };
    const outcome = await channel.send(attempt);
    if (outcome.kind === 'wait') {
      this.parts.metrics.deliveries.inc({ channel: row.channel, outcome: 'throttled' });
      if (marked) throw new UsageError(`channel "${row.channel}" asked to wait after it marked the delivery sending`);
      await this.reschedule(row, outcome.untilMs, outcome.reason);
      return { state: 'queued' };
    }
    if (!marked) {
      if (outcome.kind === 'raced') return { state: 'raced' };
      // Skipped before sending (nothing to render, the chat unlinked): no attempt is counted.
      return this.finish(row, outcome, started);
    }
    this.parts.metrics.duration.observe(
      { channel: row.channel, outcome: outcome.kind },
      Math.max(0, Date.now() - started) / 1000,
    );
    if (outcome.kind === 'raced') return { state: 'raced' };
    const sending: DeliveryRow = { ...row, state: 'sending', attempts: row.attempts + 1, last_attempt_at: started };
    return this.finish(sending, outcome, started);
  }

  /** Records an attempt's outcome; a retry queues the next attempt's job in the same transaction. */
  private async finish(
    row: DeliveryRow,
    outcome: Exclude<SendOutcome, { kind: 'wait' } | { kind: 'raced' }>,
    at: number,
  ): Promise<{ state: string }> {
    const channel = this.parts.channels.get(row.channel);
    const now = this.parts.now();
    let state: DeliveryState;
    let reason: string | null = null;
    let next: number | null = null;
    let label: string = outcome.kind;
    switch (outcome.kind) {
      case 'delivered':
        state = 'delivered';
        break;
      case 'skipped':
        state = 'skipped';
        reason = outcome.reason;
        break;
      case 'failed':
        state = 'failed';
        reason = outcome.reason;
        break;
      case 'maybe':
        if (channel && !channel.atMostOnce && row.attempts < channel.maxAttempts) {
          state = 'queued';
          reason = outcome.reason;
          next = now + channel.retryDelayMs(row.attempts);
          label = 'retried';
        } else {
          state = 'failed';
          reason = outcome.reason.startsWith('maybe_delivered') ? outcome.reason : `maybe_delivered: ${outcome.reason}`;
          label = 'maybe_delivered';
        }
        break;
      case 'retry':
        if (channel && row.attempts < channel.maxAttempts) {
          state = 'queued';
          reason = outcome.reason;
          next = outcome.atMs ?? now + channel.retryDelayMs(row.attempts);
          label = 'retried';
        } else {
          state = 'failed';
          reason = outcome.reason;
          label = 'failed';
        }
        break;
    }
    const entry: StoredAttempt = {
      attempt: row.attempts,
      at,
      outcome: label,
      ...('status' in outcome && outcome.status !== undefined ? { status: outcome.status } : {}),
      ...(reason ? { reason } : {}),
      ...(next !== null ? { nextAttemptAt: next } : {}),
    };
    await this.parts.store.transaction(async (trx) => {
      await trx
        .updateTable('keel_notify_delivery')
        .set({
          state,
          reason,
          history: appendAttempt(row.history, entry),
          next_attempt_at: next,
          delivered_at: state === 'delivered' ? now : null,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .execute();
      if (next !== null) {
        await this.queue().enqueue(
          this.job(),
          { deliveryId: row.id },
          { transaction: trx, runAt: new Date(next), dedupeKey: `${row.id}:${row.attempts}` },
        );
      }
    });
    this.parts.metrics.deliveries.inc({ channel: row.channel, outcome: label });
    if (state === 'failed')
      this.parts.logger.warn({ deliveryId: row.id, channel: row.channel, reason }, 'delivery failed');
    return { state };
  }

  /** Queues the next look at a delivery without counting an attempt (a throttle, an unconfigured channel). */
  private async reschedule(row: DeliveryRow, atMs: number, why: string): Promise<void> {
    const now = this.parts.now();
    await this.parts.store.transaction(async (trx) => {
      await trx
        .updateTable('keel_notify_delivery')
        .set({ state: 'queued', next_attempt_at: atMs, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      await this.queue().enqueue(
        this.job(),
        { deliveryId: row.id },
        { transaction: trx, runAt: new Date(atMs), dedupeKey: `${row.id}:wait:${atMs}` },
      );
    });
    this.parts.logger.debug({ deliveryId: row.id, until: new Date(atMs).toISOString(), why }, 'delivery waits');
  }
}
