/**
 * `keel/notify`: notifications written in the caller's transaction and delivered per channel as
 * durable jobs: an in-app inbox, Telegram, Standard Webhooks and email, with idempotency keys,
 * per-recipient preferences, critical types, delivery state, `keel_notify_*` metrics and admin routes.
 *
 * - A notification is a recipient, a type, a payload and an idempotency key (unique per recipient).
 * - `notify(trx, …)` writes it, its inbox item and one delivery (and delivery job) per outbound
 *   channel and target in `trx`: all exist if and only if the business write commits.
 * - Telegram is at most once by default (a send whose outcome is unknown is failed
 *   `maybe_delivered`, never repeated); webhooks and email are at least once (a receiver dedupes
 *   by `webhook-id` or `Message-ID`).
 *
 * @example
 * ```ts
 * import { channelsFor, defineNotifications } from 'keel/notify';
 *
 * const types = { 'release.found': { payload: z.object({ title: z.string() }), channels: ['telegram', 'inbox'] } } as const;
 * const channel = channelsFor(types);
 * export const notifications = defineNotifications({
 *   types,
 *   channels: (app: AppContext) => ({
 *     inbox: channel.inbox({ render: (n) => ({ message: n.payload.title }) }),
 *     telegram: channel.telegram({ botToken: app.config.TELEGRAM_BOT_TOKEN, render: (n) => ({ text: n.payload.title }) }),
 *   }),
 *   recipients: { table: 'users', column: 'id' },
 *   migrationPrefix: '2026_12_08_000',
 * });
 * // in a feature: const notifier = app.use(notifications);
 * await store.transaction(async (trx) => {
 *   await trx.insertInto('releases').values(release).execute();
 *   await notifier.notify(trx, { recipientId: userId, type: 'release.found', payload: { title: release.title }, idempotencyKey: `release:${release.id}` });
 * });
 * ```
 * @module
 */
export { notifyAdminRoutes } from './admin-routes.js';
export type { NotifyChannel } from './channel.js';
export { channelsFor, type TypedChannels } from './channels-for.js';
export {
  type CreateNotifierOptions,
  createNotifier,
  defineNotifications,
  type NotificationsDefinition,
} from './define-notifications.js';
export { type EmailChannelOptions, type EmailMessage, emailChannel } from './email-channel.js';
export {
  type Inbox,
  type InboxChannelOptions,
  type InboxItem,
  type InboxMessage,
  type InboxPage,
  type InboxQuery,
  inboxChannel,
} from './inbox.js';
export { type DeliveryQuery, Notifier, type NotifyInput } from './notifier.js';
export type { NotificationPreference, NotificationPreferences } from './preferences.js';
export type { RecipientReference } from './schema.js';
export type { TelegramChat, TelegramChats } from './telegram/chats.js';
export {
  type TelegramChannelOptions,
  type TelegramMessage,
  type TelegramParseMode,
  type TelegramPhoto,
  telegramChannel,
} from './telegram/telegram-channel.js';
export type {
  Delivery,
  DeliveryAttempt,
  DeliveryState,
  Notification,
  NotificationOf,
  NotificationStatus,
  NotificationTypeDefinition,
  NotificationTypes,
  NotifyResult,
} from './types.js';
export type { WebhookEndpoint, WebhookEndpoints } from './webhook/endpoints.js';
export {
  type VerifyWebhookInput,
  verifyWebhook,
  WEBHOOK_SIGNATURE_INVALID,
  WebhookVerificationError,
} from './webhook/signature.js';
export {
  STANDARD_WEBHOOK_RETRY_SCHEDULE_MS,
  type WebhookChannelOptions,
  webhookChannel,
} from './webhook/webhook-channel.js';
