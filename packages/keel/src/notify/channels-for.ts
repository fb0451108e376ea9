import type { NotifyChannel } from './channel.js';
import { type EmailChannelOptions, emailChannel } from './email-channel.js';
import { type InboxChannelOptions, inboxChannel } from './inbox.js';
import { type TelegramChannelOptions, telegramChannel } from './telegram/telegram-channel.js';
import type { NotificationOf, NotificationTypes } from './types.js';
import { type WebhookChannelOptions, webhookChannel } from './webhook/webhook-channel.js';

/**
 * The channel factories typed for a set of notification types: each `render` receives the union
 * of those notifications, so `switch (n.type)` narrows `n.payload`.
 *
 * @example
 * ```ts
 * const channel = channelsFor(types);
 * const telegram = channel.telegram({ botToken, render: (n) => ({ text: n.payload.title }) });
 * ```
 */
export interface TypedChannels<N> {
  inbox(options: InboxChannelOptions<N>): NotifyChannel<N>;
  telegram(options: TelegramChannelOptions<N>): NotifyChannel<N>;
  webhook(options?: WebhookChannelOptions<N>): NotifyChannel<N>;
  email(options: EmailChannelOptions<N>): NotifyChannel<N>;
}

/**
 * The channel factories for `types`, with `render` typed by them (TypeScript cannot infer it
 * inside `defineNotifications`' own argument).
 *
 * @example
 * ```ts
 * const channel = channelsFor(types);
 * export const notifications = defineNotifications({
 *   types,
 *   channels: (app: AppContext) => ({ inbox: channel.inbox({ render: (n) => ({ message: n.payload.title }) }) }),
 * });
 * ```
 */
export function channelsFor<T extends NotificationTypes>(_types: T): TypedChannels<NotificationOf<T>> {
  return {
    inbox: (options) => inboxChannel(options),
    telegram: (options) => telegramChannel(options),
    webhook: (options) => webhookChannel(options),
    email: (options) => emailChannel(options),
  };
}
