/**
 * `keel/notify`: notifications written in the caller's transaction and delivered per channel as
 * durable jobs: an in-app inbox, Telegram, Standard Webhooks and email, with idempotency keys,
 * per-recipient preferences, critical types, delivery state, `keel_notify_*` metrics and admin routes.
 * @module
 */
export { notifyAdminRoutes } from './admin-routes.js';
export type { NotifyChannel } from './channel.js';
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
