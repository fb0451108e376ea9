import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { HealthCheck } from '../health/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { Component } from '../service/index.js';
import type { Store } from '../store/index.js';
import type { NotifyTables } from './schema.js';
import type { Notification } from './types.js';

/** What a channel is given once the feature is set up. */
export interface ChannelRuntime {
  /** The channel's name in the service (a key of `channels`). */
  name: string;
  store: Store<NotifyTables>;
  logger: Logger;
  metrics: MetricsRegistry;
  now: () => number;
}

/** Who receives on a channel: targets, or why nobody does. */
export type ChannelTargets = { targets: (string | null)[] } | { skip: string };

/** How one attempt ended. */
export type SendOutcome =
  | { kind: 'delivered'; status?: number }
  /** Not delivered, safe to send again: at `atMs` when given (the target said when), else on the channel's schedule. */
  | { kind: 'retry'; reason: string; status?: number; atMs?: number }
  | { kind: 'failed'; reason: string; status?: number }
  /** The request may have reached the target: an at-most-once channel never sends it again. */
  | { kind: 'maybe'; reason: string; status?: number }
  | { kind: 'skipped'; reason: string }
  /** Not sent and not marked sending: look again at `untilMs` without counting an attempt (a throttle). */
  | { kind: 'wait'; untilMs: number; reason: string }
  /** Another run marked the delivery first: this one did nothing. */
  | { kind: 'raced' };

/** One attempt as a channel sees it. */
export interface ChannelAttempt {
  deliveryId: string;
  target: string | null;
  attempt: number;
  notification: Notification;
  signal: AbortSignal;
  /**
   * Marks the delivery `sending` (committed); `false` when another run did first. Channels with
   * `marksSending` call it right before their request; for the others it is done before `send`.
   */
  markSending(): Promise<boolean>;
}

/**
 * A channel, from `inboxChannel`, `telegramChannel`, `webhookChannel` or `emailChannel`; the
 * service names it in `defineNotifications({ channels })`.
 *
 * @example
 * ```ts
 * const channels: Record<string, NotifyChannel> = { inbox: inboxChannel({ render: (n) => ({ message: String(n.type) }) }) };
 * ```
 */
export interface NotifyChannel<N = Notification> {
  /** `inbox`, `telegram`, `webhook` or `email`. */
  readonly kind: string;
  /** Called once by the feature's setup. */
  bind(runtime: ChannelRuntime): BoundChannel<N>;
}

/** A channel bound to its service. */
export interface BoundChannel<N = Notification> {
  readonly kind: string;
  /** A delivery found `sending` at its next run (a crash mid-send) is failed `maybe_delivered`, never re-sent. */
  readonly atMostOnce: boolean;
  /** The channel calls `attempt.markSending()` itself, right before its request (after waiting for a turn). */
  readonly marksSending?: boolean;
  /** Attempts before a retryable failure becomes final. */
  readonly maxAttempts: number;
  /** Delay before attempt `attempt + 1` after attempt `attempt` failed (attempt counts from 1). */
  retryDelayMs(attempt: number): number;
  /** Whether the channel can send now (a bot token, an SMTP URL); unconfigured deliveries wait. */
  readonly configured: boolean;
  /** Who receives: written inside the notify transaction. */
  targets(trx: Transaction<NotifyTables>, recipientId: string): Promise<ChannelTargets>;
  /** Channels delivered by the notify transaction itself (the inbox): no job, delivered at once. */
  deliverInTransaction?(trx: Transaction<NotifyTables>, notification: N): Promise<void>;
  /** Before an attempt: wait until a time (a throttle), skip, or go on. Runs before the delivery is marked sending. */
  beforeSend?(attempt: ChannelAttempt): Promise<{ waitUntilMs: number; reason: string } | { skip: string } | undefined>;
  /** Sends once; never throws for the target's answers (only for the store's failures). */
  send?(attempt: ChannelAttempt): Promise<SendOutcome>;
  /** After a final failure (a 403 disables the chat, a 410 the endpoint). */
  components?: readonly Component[];
  health?: readonly HealthCheck[];
}
