import { appConfigSchema } from 'keel';
import { accountSecrets, accountsConfigSchema } from 'keel/accounts';
import { intVar, type LoadConfigOptions, loadConfig } from 'keel/config';
import { z } from 'zod';

/** The value shipped in `.env.example`; refused in production. */
export { EXAMPLE_JWT_SECRET } from 'keel/accounts';

// An unset variable and an empty one both mean "not configured".
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().min(1).optional());

/** The watcher's configuration: Keel's variables, the accounts' (JWT, admins) and its own. */
export const watcherConfigSchema = appConfigSchema.extend(accountsConfigSchema.shape).extend({
  /** Base URL of the Prowlarr-compatible indexer; unset: checks wait and readiness is degraded. Default: none. */
  INDEXER_URL: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.url({ protocol: /^https?$/, message: 'must be an http: or https: URL' }).optional(),
  ),
  /** The indexer's API key, sent as `X-Api-Key`. Default: none. */
  INDEXER_API_KEY: optionalText,
  /** The Telegram bot's token; unset: messages wait and readiness is degraded. Default: none. */
  TELEGRAM_BOT_TOKEN: optionalText,
  /** Base URL of the Telegram Bot API. Default: `https://api.telegram.org`. */
  TELEGRAM_API_URL: z
    .url({ protocol: /^https?$/, message: 'must be an http: or https: URL' })
    .default('https://api.telegram.org'),
  /** How often every watchlist item is searched. Default: 900000 ms (15 minutes). */
  WATCH_INTERVAL_MS: intVar(900_000, 1000, 7 * 24 * 3600_000),
  /** Searches running at once in this process (a bulkhead). Default: 5. */
  WATCH_CONCURRENCY: intVar(5, 1, 100),
});

/** The parsed watcher configuration. */
export type WatcherConfig = z.output<typeof watcherConfigSchema>;

/** Reads the watcher's configuration from the environment (and `.env`), every problem at once. */
export function loadWatcherConfig(options: LoadConfigOptions = {}): WatcherConfig {
  return loadConfig(watcherConfigSchema, { ...options, secrets: accountSecrets });
}
