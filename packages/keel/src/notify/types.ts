import type { z } from 'zod';

/**
 * Where one delivery is: `queued` (waiting for its next attempt), `sending`, `delivered`, `failed`
 * (with a reason) or `skipped` (by preference, or no target such as no linked chat).
 *
 * @example
 * ```ts
 * const open: DeliveryState[] = ['queued', 'sending'];
 * ```
 */
export type DeliveryState = 'queued' | 'sending' | 'delivered' | 'failed' | 'skipped';

/**
 * One notification type: its payload schema, the channels that carry it, and whether it is critical.
 *
 * @example
 * ```ts
 * const reset: NotificationTypeDefinition = { payload: z.object({ link: z.string() }), channels: ['email'], critical: true };
 * ```
 */
export interface NotificationTypeDefinition<S extends z.ZodType = z.ZodType> {
  /** Checks every payload at `notify`; the parsed value (JSON) is stored and rendered by the channels. */
  payload: S;
  /** Names of the channels that carry this type, unless a recipient opts out. */
  channels: readonly string[];
  /** A critical type goes out on all its channels whatever the recipient's preferences. @defaultValue false */
  critical?: boolean;
}

/** The notification types of a service, by name. */
export type NotificationTypes = Record<string, NotificationTypeDefinition>;

/**
 * A notification as stored and as channels render it. `N` is the type name, `P` the parsed payload.
 *
 * @example
 * ```ts
 * const render = (n: Notification<'release.found', { title: string }>) => ({ text: n.payload.title });
 * ```
 */
export interface Notification<N extends string = string, P = unknown> {
  id: string;
  recipientId: string;
  type: N;
  payload: P;
  idempotencyKey: string;
  createdAt: Date;
}

/**
 * The notifications a set of types can produce: a union discriminated by `type`.
 *
 * @example
 * ```ts
 * type Sent = NotificationOf<typeof types>; // Notification<'a', A> | Notification<'b', B>
 * ```
 */
export type NotificationOf<T extends NotificationTypes> = {
  [K in keyof T & string]: Notification<K, z.output<T[K]['payload']>>;
}[keyof T & string];

/**
 * One attempt of a delivery, as kept in its history (newest last, at most 25).
 *
 * @example
 * ```ts
 * const last: DeliveryAttempt | undefined = delivery.history.at(-1);
 * ```
 */
export interface DeliveryAttempt {
  /** The attempt number, 1 for the first. */
  attempt: number;
  /** When it started. */
  at: Date;
  /** `delivered`, `failed`, `retry`, `maybe_delivered`, `skipped`. */
  outcome: string;
  /** The status the target answered, when it answered. */
  status?: number;
  /** Why it did not deliver. */
  reason?: string;
  /** When the next attempt is due, for a retry. */
  nextAttemptAt?: Date;
}

/**
 * One delivery of a notification on one channel (and target).
 *
 * @example
 * ```ts
 * const failed = status.deliveries.filter((d: Delivery) => d.state === 'failed').map((d) => d.reason);
 * ```
 */
export interface Delivery {
  id: string;
  notificationId: string;
  channel: string;
  /** The chat id, endpoint id or address, when the channel has targets. */
  target: string | null;
  state: DeliveryState;
  /** Why it failed or was skipped; `maybe_delivered` when a send's outcome is unknown. */
  reason: string | null;
  /** Attempts started so far. */
  attempts: number;
  history: DeliveryAttempt[];
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/**
 * A notification with every delivery, from {@link Notifier.status}.
 *
 * @example
 * ```ts
 * const status: NotificationStatus | undefined = await notifier.status(id);
 * ```
 */
export interface NotificationStatus extends Notification {
  deliveries: Delivery[];
}

/**
 * What `notify` answers: the notification's id, whether this call created it, and its deliveries.
 *
 * @example
 * ```ts
 * const { id, created }: NotifyResult = await notifier.notify(trx, input);
 * ```
 */
export interface NotifyResult {
  id: string;
  /** `false` when the (recipient, idempotency key) already had a notification: nothing was added. */
  created: boolean;
  deliveries: { id: string; channel: string; target: string | null; state: DeliveryState }[];
}
