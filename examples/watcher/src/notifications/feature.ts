import { channelsFor, defineNotifications, type Notifier, type TelegramChannelOptions } from 'keel/notify';
import type { WatcherApp } from '../database.js';
import { releaseMessage } from './message.js';
import { watcherNotificationTypes } from './types.js';

const channel = channelsFor(watcherNotificationTypes);

/** Telegram settings beyond the configuration (tests shorten the retry schedule). */
export type TelegramTuning = Pick<
  TelegramChannelOptions<unknown>,
  'perChatIntervalMs' | 'perBotPerSecond' | 'retryScheduleMs' | 'maxAttempts' | 'timeoutMs'
>;

/**
 * keel/notify in the watcher: Telegram messages of new releases, each a durable delivery (at most
 * once: never sent twice), throttled per chat and per bot; its tables after the users they
 * reference (deleted with them), and the `/admin/notify` routes.
 */
export function watcherNotifications(tuning: TelegramTuning = {}) {
  return defineNotifications({
    name: 'notify',
    types: watcherNotificationTypes,
    channels: (app: WatcherApp) => ({
      telegram: channel.telegram({
        ...tuning,
        botToken: app.config.TELEGRAM_BOT_TOKEN,
        apiUrl: app.config.TELEGRAM_API_URL,
        render: (n) => releaseMessage(n.payload),
      }),
    }),
    recipients: { table: 'users', column: 'id' },
    migrationPrefix: '2026_12_08_002',
  });
}

/** The watcher's notifications feature. */
export type WatcherNotifications = ReturnType<typeof watcherNotifications>;

/** The notifier other features get with `app.use(notifications)`. */
export type WatcherNotifier = Notifier<typeof watcherNotificationTypes>;
