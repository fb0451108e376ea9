import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { checkOptions, option } from '../../config/index.js';
import type { BoundChannel, ChannelAttempt, NotifyChannel, SendOutcome } from '../channel.js';
import { isRenderFailure, renderSafely } from '../render-safely.js';
import type { Notification } from '../types.js';
import { guardedLookup, isPrivateAddress } from './address-guard.js';
import { liveSecrets } from './endpoints.js';
import { signatureHeader } from './signature.js';

/**
 * The Standard Webhooks schedule: delays before the 2nd to 8th attempts (the 1st is immediate):
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
 *
 * @example
 * ```ts
 * webhookChannel({ retryScheduleMs: STANDARD_WEBHOOK_RETRY_SCHEDULE_MS.slice(0, 3) });
 * ```
 */
export const STANDARD_WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/**
 * Options of {@link webhookChannel}.
 *
 * @example
 * ```ts
 * const options: WebhookChannelOptions<Notification> = { allowPrivateTargets: process.env.NODE_ENV === 'test' };
 * ```
 */
export interface WebhookChannelOptions<N> {
  /** Send to private, loopback and link-local addresses (tests, an internal mesh). @defaultValue false */
  allowPrivateTargets?: boolean;
  /** The deadline of one attempt, response included. @defaultValue 15000 */
  timeoutMs?: number;
  /** Delays before the 2nd, 3rd... attempt; the delivery fails after the last. @defaultValue {@link STANDARD_WEBHOOK_RETRY_SCHEDULE_MS} */
  retryScheduleMs?: readonly number[];
  /** The JSON body. @defaultValue `{ type, timestamp, data: payload }` */
  render?: (notification: N) => unknown;
}

const optionsSchema = z.object({
  allowPrivateTargets: z.boolean().default(false),
  timeoutMs: option.positiveDurationMs().default(15_000),
  retryScheduleMs: z
    .array(option.durationMs())
    .max(50)
    .default([...STANDARD_WEBHOOK_RETRY_SCHEDULE_MS]),
  render: option.fn().optional(),
});

/** Retry-After as seconds or an HTTP date, in ms from `now`, or undefined. */
function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e && chain.length < 6; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/**
 * Webhooks per the Standard Webhooks specification: a signed JSON POST to each of the recipient's
 * endpoints, at least once. Headers `webhook-id` (the delivery's id, the same on every retry),
 * `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one
 * per live secret while a rotation overlaps). A 2xx delivers; a 3xx, 4xx, 5xx, timeout or connection
 * error is retried on the schedule (a later `Retry-After` wins); a 410 fails it and disables the
 * endpoint. Private, loopback and link-local targets are refused on the resolved address.
 *
 * @example
 * ```ts
 * channels: () => ({ webhook: webhookChannel({ render: (n) => ({ type: n.type, data: n.payload }) }) })
 * ```
 */
export function webhookChannel<N extends Notification = Notification>(
  options: WebhookChannelOptions<N> = {},
): NotifyChannel<N> {
  const settings = checkOptions('webhookChannel', optionsSchema, options);
  const render = (options.render ??
    ((n: N) => ({ type: n.type, timestamp: n.createdAt.toISOString(), data: n.payload }))) as (n: N) => unknown;
  return {
    kind: 'webhook',
    bind: (runtime) => {
      const { store, now } = runtime;
      const agent = new Agent({
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
        connect: {
          timeout: Math.min(settings.timeoutMs, 10_000),
          ...(settings.allowPrivateTargets ? {} : { lookup: guardedLookup as unknown as LookupFunction }),
        },
      });
      const schedule = settings.retryScheduleMs;
      const channel: BoundChannel<N> & { allowPrivateTargets: boolean } = {
        kind: 'webhook',
        allowPrivateTargets: settings.allowPrivateTargets,
        atMostOnce: false,
        maxAttempts: schedule.length + 1,
        configured: true,
        retryDelayMs: (attempt) => schedule[Math.min(attempt - 1, schedule.length - 1)] ?? 0,
        async targets(trx, recipientId) {
          const rows = await trx
            .selectFrom('keel_notify_webhook_endpoint')
            .select(['id', 'disabled_at'])
            .where('recipient_id', '=', recipientId)
            .orderBy('created_at')
            .orderBy('id')
            .execute();
          if (rows.length === 0) return { skip: 'no_target' };
          const live = rows.filter((r) => r.disabled_at === null);
          return live.length > 0 ? { targets: live.map((r) => r.id) } : { skip: 'endpoint_disabled' };
        },
        async beforeSend(attempt) {
          const endpoint = await store.db
            .selectFrom('keel_notify_webhook_endpoint')
            .select(['disabled_at'])
            .where('id', '=', attempt.target ?? '')
            .executeTakeFirst();
          if (!endpoint) return { skip: 'endpoint_removed' };
          if (endpoint.disabled_at !== null) return { skip: 'endpoint_disabled' };
          return undefined;
        },
        async send(attempt: ChannelAttempt): Promise<SendOutcome> {
          const endpoint = await store.db
            .selectFrom('keel_notify_webhook_endpoint')
            .selectAll()
            .where('id', '=', attempt.target ?? '')
            .executeTakeFirst();
          if (!endpoint) return { kind: 'skipped', reason: 'endpoint_removed' };
          const url = new URL(endpoint.url);
          const host = url.hostname.replace(/^\[|\]$/g, '');
          if (!settings.allowPrivateTargets && isIP(host) !== 0 && isPrivateAddress(host)) {
            return { kind: 'failed', reason: `ssrf_refused: ${host} is a private, loopback or link-local address` };
          }
          const sentAt = now();
          const timestamp = Math.floor(sentAt / 1000);
          const rendered = await renderSafely(() => JSON.stringify(render(attempt.notification as N)));
          if (isRenderFailure(rendered)) return { kind: 'failed', reason: rendered.failed };
          const body = rendered;
          const signal = AbortSignal.any([attempt.signal, AbortSignal.timeout(settings.timeoutMs)]);
          try {
            const response = await request(url, {
              method: 'POST',
              dispatcher: agent,
              body,
              signal,
              headers: {
                'content-type': 'application/json',
                'user-agent': 'keel-notify',
                'webhook-id': attempt.deliveryId,
                'webhook-timestamp': String(timestamp),
                'webhook-signature': signatureHeader(
                  liveSecrets(endpoint, sentAt),
                  attempt.deliveryId,
                  timestamp,
                  body,
                ),
              },
            });
            await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
            const status = response.statusCode;
            if (status >= 200 && status < 300) return { kind: 'delivered', status };
            if (status === 410) {
              await store.db
                .updateTable('keel_notify_webhook_endpoint')
                .set({ disabled_at: now(), disabled_reason: 'endpoint answered 410 Gone' })
                .where('id', '=', endpoint.id)
                .execute();
              return { kind: 'failed', status, reason: 'endpoint_gone: answered 410, endpoint disabled' };
            }
            // A Retry-After later than the schedule's next attempt wins; an earlier one keeps the schedule.
            const after = retryAfterMs(response.headers['retry-after'], sentAt);
            const scheduled = now() + channel.retryDelayMs(attempt.attempt);
            return {
              kind: 'retry',
              status,
              reason: `answered ${status}`,
              atMs: after === undefined ? scheduled : Math.max(scheduled, now() + after),
            };
          } catch (error) {
            const refused = causeChain(error).find(
              (e) => (e as { code?: string } | null)?.code === 'ERR_NOTIFY_PRIVATE_TARGET',
            ) as Error | undefined;
            if (refused) return { kind: 'failed', reason: refused.message };
            if (attempt.signal.aborted) throw error;
            const message = signal.aborted ? `no answer within ${settings.timeoutMs} ms` : (error as Error).message;
            return { kind: 'retry', reason: message };
          }
        },
        components: [
          {
            name: `notify-${runtime.name}-agent`,
            start: async () => undefined,
            stop: async () => {
              await agent.close().catch(() => undefined);
            },
          },
        ],
      };
      return channel;
    },
  };
}
