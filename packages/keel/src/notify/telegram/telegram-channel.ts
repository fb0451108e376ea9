import type { Readable } from 'node:stream';
import { z } from 'zod';
import { checkOptions, option } from '../../config/index.js';
import { createHttpClient, type HttpResponse } from '../../http-client/index.js';
import { RateLimitExceededError, rateLimit } from '../../resilience/index.js';
import type { BoundChannel, ChannelAttempt, NotifyChannel, SendOutcome } from '../channel.js';
import { isRenderFailure, renderSafely } from '../render-safely.js';
import type { Notification } from '../types.js';
import { multipartBody } from './multipart.js';

/** Formatting of a message's text or caption. */
export type TelegramParseMode = 'HTML' | 'MarkdownV2' | 'Markdown';

/**
 * A photo: by URL (Telegram fetches it), by bytes (uploaded as multipart, retried like any
 * message) or from a stream (uploaded once: a failed upload is never retried from a stream).
 *
 * @example
 * ```ts
 * const photo: TelegramPhoto = { url: release.posterUrl };
 * ```
 */
export type TelegramPhoto =
  | { url: string }
  | { buffer: Uint8Array; filename?: string; contentType?: string }
  | { stream: Readable; filename?: string; contentType?: string };

/**
 * What a notification becomes on Telegram: a text (`sendMessage`) or a photo with a caption
 * (`sendPhoto`).
 *
 * @example
 * ```ts
 * const message: TelegramMessage = { photo: { url: posterUrl }, caption: `New: ${title}` };
 * ```
 */
export type TelegramMessage =
  | { text: string; parseMode?: TelegramParseMode; disableNotification?: boolean; disablePreview?: boolean }
  | { photo: TelegramPhoto; caption?: string; parseMode?: TelegramParseMode; disableNotification?: boolean };

/**
 * Options of {@link telegramChannel}.
 *
 * @example
 * ```ts
 * const options: TelegramChannelOptions<Notification> = { botToken: config.TELEGRAM_BOT_TOKEN, render: (n) => ({ text: n.type }) };
 * ```
 */
export interface TelegramChannelOptions<N> {
  /** The bot's token (`123456:ABC-def`); without one (or empty) the channel is not configured: its deliveries wait and readiness is degraded. @defaultValue none */
  botToken?: string | undefined;
  /** The Bot API's base URL (`TELEGRAM_API_URL`). @defaultValue `https://api.telegram.org` */
  apiUrl?: string | undefined;
  /** Turns a notification into a message; `null` skips it. */
  render: (notification: N) => TelegramMessage | null | Promise<TelegramMessage | null>;
  /** At least this long between one message's answer and the next message to the same chat (Telegram allows about one a second). @defaultValue 1000 */
  perChatIntervalMs?: number;
  /** Messages a second the bot sends from this process. @defaultValue 30 */
  perBotPerSecond?: number;
  /**
   * `at-most-once`: a send that failed once the request was out (a timeout, a reset, an unknown
   * answer, a crash) is failed `maybe_delivered`, never sent again: a user never gets a message
   * twice. `at-least-once` sends it again. @defaultValue `at-most-once`
   */
  delivery?: 'at-most-once' | 'at-least-once';
  /** Attempts before a retryable failure (a 429, a 5xx Telegram answered, a refused connection) is final. @defaultValue 10 */
  maxAttempts?: number;
  /** Delays before the next attempt, by attempt; the last repeats. @defaultValue [5000, 30000, 120000, 600000, 1800000] */
  retryScheduleMs?: readonly number[];
  /** The deadline of one request. @defaultValue 15000 */
  timeoutMs?: number;
}

const optionsSchema = z.object({
  // An empty token (an unset variable) means "not configured"; a token never holds `/` or spaces.
  botToken: z
    .string()
    .regex(/^[^/\s?#]*$/, 'must be a bot token such as 123456:ABC-def')
    .optional()
    .transform((token) => (token === '' ? undefined : token)),
  apiUrl: z
    .union([z.url({ protocol: /^https?$/ }), z.literal('')])
    .optional()
    .transform((url) => (url ? url : 'https://api.telegram.org')),
  render: option.fn(),
  perChatIntervalMs: option.durationMs().default(1000),
  perBotPerSecond: option.count().default(30),
  delivery: z.enum(['at-most-once', 'at-least-once']).default('at-most-once'),
  maxAttempts: option.count().default(10),
  retryScheduleMs: z.array(option.durationMs()).min(1).default([5000, 30_000, 120_000, 600_000, 1_800_000]),
  timeoutMs: option.positiveDurationMs().default(15_000),
});

// Failures of the connection itself: nothing reached Telegram, so sending again cannot duplicate.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) {
      const innerCode = (inner as { code?: unknown } | null)?.code;
      if (typeof innerCode === 'string') codes.push(innerCode);
    }
  }
  return codes;
}

interface BotAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

function answerOf(response: HttpResponse): BotAnswer | undefined {
  try {
    const value = JSON.parse(response.text()) as unknown;
    return typeof value === 'object' && value !== null ? (value as BotAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Telegram Bot API messages (`sendMessage`, `sendPhoto` by URL, bytes or stream) through
 * keel/http-client, to the chat each recipient linked with `notifier.telegram.linkChat`.
 * - Throttled per chat (one message at a time, the next `perChatIntervalMs` after the last one's
 *   answer; held in SQL, across processes) and to `perBotPerSecond` per bot (in this process).
 * - A 429 waits `parameters.retry_after` seconds: nothing goes to that chat before.
 * - A 400 fails at once with Telegram's `description` (a group migrated to a supergroup is followed
 *   to its new chat id instead); a 403 (the user blocked the bot) fails and
 *   disables the chat, so later messages to it are skipped (`chat_disabled`) until it is linked again.
 * - At most once by default: see {@link TelegramChannelOptions.delivery}.
 *
 * @example
 * ```ts
 * telegram: telegramChannel({
 *   botToken: config.TELEGRAM_BOT_TOKEN,
 *   apiUrl: config.TELEGRAM_API_URL,
 *   render: (n) => (n.payload.posterUrl ? { photo: { url: n.payload.posterUrl }, caption: n.payload.title } : { text: n.payload.title }),
 * })
 * ```
 */
export function telegramChannel<N extends Notification = Notification>(
  options: TelegramChannelOptions<N>,
): NotifyChannel<N> {
  const settings = checkOptions('telegramChannel', optionsSchema, options);
  const render = options.render;
  return {
    kind: 'telegram',
    bind: (runtime): BoundChannel<N> => {
      const { store, now } = runtime;
      const token = settings.botToken;
      const client = createHttpClient({
        name: `notify-${runtime.name}`,
        baseUrl: settings.apiUrl,
        timeoutMs: settings.timeoutMs,
        // Every answer comes back to the channel, which reads Telegram's own error (429 retry_after, 403).
        retry: false,
        retryOnStatus: [],
        circuitBreaker: false,
        metrics: runtime.metrics,
        // No logger: the Bot API carries the token in the path, which the client would log at debug level.
      });
      // The bot's limit in this process (keel/resilience); the per-chat one is held in SQL, across processes.
      const perBot = rateLimit({
        name: `notify-${runtime.name}-bot`,
        limit: settings.perBotPerSecond,
        intervalMs: 1000,
      });
      const scrub = (text: string): string => (token ? text.split(token).join('<token>') : text);
      const schedule = settings.retryScheduleMs;
      const atMostOnce = settings.delivery === 'at-most-once';

      async function disableChat(recipientId: string, reason: string): Promise<void> {
        await store.db
          .updateTable('keel_notify_telegram_chat')
          .set({ disabled_at: now(), disabled_reason: reason, updated_at: now() })
          .where('recipient_id', '=', recipientId)
          .execute();
      }

      async function holdChat(recipientId: string, untilMs: number): Promise<void> {
        await store.db
          .updateTable('keel_notify_telegram_chat')
          .set({ next_send_at: untilMs })
          .where('recipient_id', '=', recipientId)
          .where('next_send_at', '<', untilMs)
          .execute();
      }

      return {
        kind: 'telegram',
        atMostOnce,
        marksSending: true,
        maxAttempts: settings.maxAttempts,
        configured: token !== undefined,
        retryDelayMs: (attempt) => schedule[Math.min(attempt - 1, schedule.length - 1)]!,
        async targets(trx, recipientId) {
          const chat = await trx
            .selectFrom('keel_notify_telegram_chat')
            .select(['chat_id', 'disabled_at'])
            .where('recipient_id', '=', recipientId)
            .executeTakeFirst();
          if (!chat) return { skip: 'no_target' };
          if (chat.disabled_at !== null) return { skip: 'chat_disabled' };
          return { targets: [chat.chat_id] };
        },
        async beforeSend(attempt) {
          const recipientId = attempt.notification.recipientId;
          const chat = await store.db
            .selectFrom('keel_notify_telegram_chat')
            .selectAll()
            .where('recipient_id', '=', recipientId)
            .executeTakeFirst();
          if (!chat) return { skip: 'no_target' };
          if (chat.disabled_at !== null) return { skip: 'chat_disabled' };
          // Held (a 429, the last message too recent): wait before rendering anything.
          const at = now();
          if (Number(chat.next_send_at) > at)
            return { waitUntilMs: Number(chat.next_send_at), reason: 'per-chat throttle' };
          return undefined;
        },
        async send(attempt: ChannelAttempt): Promise<SendOutcome> {
          const recipientId = attempt.notification.recipientId;
          const chat = await store.db
            .selectFrom('keel_notify_telegram_chat')
            .select('chat_id')
            .where('recipient_id', '=', recipientId)
            .executeTakeFirst();
          if (!chat) return { kind: 'skipped', reason: 'no_target' };
          const message = await renderSafely(() => render(attempt.notification as N));
          if (isRenderFailure(message)) return { kind: 'failed', reason: message.failed };
          if (message === null) return { kind: 'skipped', reason: 'rendered_nothing' };
          const request = buildRequest(chat.chat_id, message);
          // The bot's turn first, then the mark, then the request: a crash while waiting sent nothing,
          // and nothing but the mark stands between the turn and the request.
          try {
            await perBot.execute(async () => undefined, { signal: attempt.signal });
          } catch (error) {
            if (!(error instanceof RateLimitExceededError)) throw error;
            return { kind: 'wait', untilMs: now() + error.retryAfterMs, reason: 'per-bot throttle' };
          }
          // The chat's turn, claimed atomically right before the request and held while it is in flight:
          // two workers (or processes) never send to one chat at once, and the next message to it starts
          // `perChatIntervalMs` after this one's answer (so Telegram sees them at least that far apart).
          const at = now();
          const claimed = await store.db
            .updateTable('keel_notify_telegram_chat')
            .set({ next_send_at: at + settings.timeoutMs + settings.perChatIntervalMs })
            .where('recipient_id', '=', recipientId)
            .where('next_send_at', '<=', at)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) === 0) {
            const held = await store.db
              .selectFrom('keel_notify_telegram_chat')
              .select('next_send_at')
              .where('recipient_id', '=', recipientId)
              .executeTakeFirst();
            return {
              kind: 'wait',
              untilMs: Math.max(Number(held?.next_send_at ?? at), at + 1),
              reason: 'per-chat throttle',
            };
          }
          const releaseChat = () =>
            store.db
              .updateTable('keel_notify_telegram_chat')
              .set({ next_send_at: now() + settings.perChatIntervalMs })
              .where('recipient_id', '=', recipientId)
              .execute();
          if (!(await attempt.markSending())) {
            await releaseChat();
            return { kind: 'raced' };
          }
          let response: HttpResponse;
          try {
            response = await client.request({
              method: 'POST',
              path: `/bot${token}/${request.method}`,
              ...(request.json !== undefined
                ? { json: request.json }
                : { body: request.body!, headers: { 'content-type': request.contentType! } }),
              retry: false,
              throwOnStatus: false,
              signal: attempt.signal,
            });
          } catch (error) {
            await releaseChat();
            if (attempt.signal.aborted) throw error;
            const codes = errorCodes(error);
            const reason = scrub((error as Error).message);
            const attempts = (error as { details?: { attempts?: number } }).details?.attempts;
            if (attempts === 0 || codes.some((c) => NOT_SENT.has(c))) {
              if (request.streamed) return { kind: 'failed', reason: `stream_not_replayable: ${reason}` };
              return { kind: 'retry', reason };
            }
            if (request.streamed) return { kind: 'failed', reason: `stream_not_replayable: ${reason}` };
            return { kind: 'maybe', reason: `maybe_delivered: ${reason}` };
          }
          await releaseChat();
          const status = response.status;
          const answer = answerOf(response);
          const description = scrub(answer?.description ?? `answered ${status}`);
          if (status === 200 && answer?.ok === true) return { kind: 'delivered', status };
          if (status === 429) {
            const seconds = Math.max(1, Number(answer?.parameters?.retry_after ?? 1));
            const until = now() + seconds * 1000;
            await holdChat(recipientId, until);
            if (request.streamed) return { kind: 'failed', status, reason: `stream_not_replayable: ${description}` };
            return { kind: 'retry', status, reason: description, atMs: until };
          }
          if (status === 403) {
            await disableChat(recipientId, description);
            return { kind: 'failed', status, reason: description };
          }
          const movedTo = answer?.parameters?.migrate_to_chat_id;
          if (status === 400 && movedTo !== undefined && !request.streamed) {
            // The group became a supergroup with a new id: follow it, and send there at once.
            await store.db
              .updateTable('keel_notify_telegram_chat')
              .set({ chat_id: String(movedTo), updated_at: now() })
              .where('recipient_id', '=', recipientId)
              .execute();
            return { kind: 'retry', status, reason: `chat migrated to ${movedTo}`, atMs: now() };
          }
          if (status >= 400 && status < 500) return { kind: 'failed', status, reason: description };
          if (request.streamed) return { kind: 'failed', status, reason: `stream_not_replayable: ${description}` };
          // Telegram's own error answer says it did not send; anything else (a proxy's page) may hide a send.
          if (answer?.ok === false) return { kind: 'retry', status, reason: description };
          return { kind: 'maybe', status, reason: `maybe_delivered: ${description}` };
        },
        components: [client],
        health: [
          {
            name: `notify-${runtime.name}`,
            critical: false,
            check: async () => {
              if (!token) throw new Error('no bot token is configured: Telegram messages wait');
              return { apiUrl: settings.apiUrl };
            },
          },
        ],
      };
    },
  };
}

interface BotRequest {
  method: 'sendMessage' | 'sendPhoto';
  json?: Record<string, unknown>;
  body?: Buffer | Readable;
  contentType?: string;
  streamed: boolean;
}

function buildRequest(chatId: string, message: TelegramMessage): BotRequest {
  const common = {
    chat_id: chatId,
    ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
    ...(message.disableNotification ? { disable_notification: true } : {}),
  };
  if ('text' in message) {
    return {
      method: 'sendMessage',
      json: {
        ...common,
        text: message.text,
        ...(message.disablePreview ? { link_preview_options: { is_disabled: true } } : {}),
      },
      streamed: false,
    };
  }
  const caption = message.caption === undefined ? {} : { caption: message.caption };
  const photo = message.photo;
  if ('url' in photo)
    return { method: 'sendPhoto', json: { ...common, ...caption, photo: photo.url }, streamed: false };
  const fields: Record<string, string> = Object.fromEntries(
    Object.entries({ ...common, ...caption }).map(([k, v]) => [k, String(v)]),
  );
  const file = {
    field: 'photo',
    filename: photo.filename ?? 'photo.jpg',
    contentType: photo.contentType ?? 'image/jpeg',
    content: 'buffer' in photo ? photo.buffer : photo.stream,
  };
  const { contentType, body } = multipartBody(fields, file);
  return { method: 'sendPhoto', body, contentType, streamed: 'stream' in photo };
}
