import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import type { BoundChannel, ChannelAttempt, NotifyChannel, SendOutcome } from './channel.js';
import { isRenderFailure, renderSafely } from './render-safely.js';
import type { Notification } from './types.js';

/**
 * What a notification becomes as an email.
 *
 * @example
 * ```ts
 * const mail: EmailMessage = { subject: 'Reset your password', text: `Open ${link}` };
 * ```
 */
export interface EmailMessage {
  subject: string;
  text: string;
  html?: string;
}

/**
 * Options of {@link emailChannel}.
 *
 * @example
 * ```ts
 * const options: EmailChannelOptions<Notification> = { smtpUrl: 'smtp://mail:25', from: 'bot@example.com', address: findEmail, render };
 * ```
 */
export interface EmailChannelOptions<N> {
  /** The SMTP server, `smtp://user:pass@host:port` or `smtps://…`; without it the channel is not configured (mail waits). @defaultValue none */
  smtpUrl?: string | undefined;
  /** The sender, `Name <address>` or an address. */
  from: string;
  /** The recipient's address, read in the notify transaction; `null` skips the email (`no_target`). */
  address: (recipientId: string, trx: Kysely<unknown>) => Promise<string | null>;
  /** Turns a notification into an email; `null` skips it. */
  render: (notification: N) => EmailMessage | null | Promise<EmailMessage | null>;
  /** Attempts before a temporary failure (a 4xx reply, a lost connection) is final. @defaultValue 8 */
  maxAttempts?: number;
  /** Delays before the next attempt, by attempt; the last repeats. @defaultValue [30000, 120000, 600000, 1800000, 3600000, 7200000, 14400000] */
  retryScheduleMs?: readonly number[];
  /** Connection, greeting and socket timeouts of one send. @defaultValue 30000 */
  timeoutMs?: number;
}

const optionsSchema = z.object({
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  from: z.string().min(3),
  address: option.fn(),
  render: option.fn(),
  maxAttempts: option.count().default(8),
  retryScheduleMs: z
    .array(option.durationMs())
    .min(1)
    .default([30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000]),
  timeoutMs: option.positiveDurationMs().default(30_000),
});

/**
 * Email over SMTP with nodemailer, one connection per send (no pool: nodemailer's pool keeps its
 * queue in memory and loses it on a crash; the delivery job is the durable queue). At least once:
 * a crash mid-send sends again, with the same `Message-ID` (`<deliveryId@keel-notify>`) so mail
 * systems can drop the copy. A 5xx reply fails at once with the server's answer; 4xx replies and
 * connection failures are retried.
 *
 * @example
 * ```ts
 * email: emailChannel({
 *   smtpUrl: config.SMTP_URL,
 *   from: 'Planner <noreply@example.com>',
 *   address: async (userId) => (await users.find(userId))?.email ?? null,
 *   render: (n) => ({ subject: 'Reset your password', text: n.payload.link }),
 * })
 * ```
 */
export function emailChannel<N extends Notification = Notification>(options: EmailChannelOptions<N>): NotifyChannel<N> {
  const settings = checkOptions('emailChannel', optionsSchema, options);
  const { address, render } = options;
  return {
    kind: 'email',
    bind: (runtime): BoundChannel<N> => {
      const transport = settings.smtpUrl
        ? nodemailer.createTransport({
            url: settings.smtpUrl,
            pool: false,
            connectionTimeout: settings.timeoutMs,
            greetingTimeout: settings.timeoutMs,
            socketTimeout: settings.timeoutMs,
          } as SMTPTransport.Options)
        : undefined;
      const schedule = settings.retryScheduleMs;
      return {
        kind: 'email',
        atMostOnce: false,
        maxAttempts: settings.maxAttempts,
        configured: transport !== undefined,
        retryDelayMs: (attempt) => schedule[Math.min(attempt - 1, schedule.length - 1)]!,
        async targets(trx, recipientId) {
          const to = await address(recipientId, trx as unknown as Kysely<unknown>);
          return to ? { targets: [to] } : { skip: 'no_target' };
        },
        async send(attempt: ChannelAttempt): Promise<SendOutcome> {
          const mail = await renderSafely(() => render(attempt.notification as N));
          if (isRenderFailure(mail)) return { kind: 'failed', reason: mail.failed };
          if (mail === null) return { kind: 'skipped', reason: 'rendered_nothing' };
          try {
            await transport!.sendMail({
              from: settings.from,
              to: attempt.target ?? '',
              subject: mail.subject,
              text: mail.text,
              ...(mail.html === undefined ? {} : { html: mail.html }),
              messageId: `<${attempt.deliveryId}@keel-notify>`,
            });
            return { kind: 'delivered' };
          } catch (error) {
            const { responseCode, response, message } = error as {
              responseCode?: number;
              response?: string;
              message?: string;
            };
            const reason = response ?? message ?? String(error);
            if (responseCode !== undefined && responseCode >= 500) {
              return { kind: 'failed', status: responseCode, reason };
            }
            return { kind: 'retry', reason, ...(responseCode === undefined ? {} : { status: responseCode }) };
          }
        },
        components: [
          {
            name: `notify-${runtime.name}-smtp`,
            start: async () => undefined,
            stop: async () => transport?.close(),
          },
        ],
        health: [
          {
            name: `notify-${runtime.name}`,
            critical: false,
            check: async () => {
              if (!transport) throw new Error('no SMTP URL is configured: email waits');
              return undefined;
            },
          },
        ],
      };
    },
  };
}
