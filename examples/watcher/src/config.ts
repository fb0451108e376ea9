import { appConfigSchema } from 'keel';
import { intVar, type LoadConfigOptions, listVar, loadConfig, type SecretRule } from 'keel/config';
import { z } from 'zod';

/** The value shipped in `.env.example`; refused in production. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-secret-of-32-bytes-or-more';

// An unset variable and an empty one both mean "not configured".
const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().min(1).optional());

/** The watcher's configuration: Keel's variables plus its own. */
export const watcherConfigSchema = appConfigSchema.extend({
  /** HS256 key for access tokens; a development default exists only outside production. */
  JWT_SECRET: z.string().min(1),
  /** Access token lifetime. Default: 3600 s. */
  JWT_TTL_SECONDS: intVar(3600, 60, 7 * 24 * 3600),
  /** Users whose email is listed are admins. Default: none. */
  ADMIN_EMAILS: listVar([]).transform((emails) => emails.map((email) => email.toLowerCase())),
  /** Register and login attempts per minute per client IP. Default: 10. */
  RATE_LIMIT_AUTH_PER_MINUTE: intVar(10, 1),
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
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/, message: 'must be an http: or https: URL' }).default(
    'https://api.telegram.org',
  ),
  /** How often every watchlist item is searched. Default: 900000 ms (15 minutes). */
  WATCH_INTERVAL_MS: intVar(900_000, 1000, 7 * 24 * 3600_000),
  /** Searches running at once in this process (a bulkhead). Default: 5. */
  WATCH_CONCURRENCY: intVar(5, 1, 100),
});

/** The parsed watcher configuration. */
export type WatcherConfig = z.output<typeof watcherConfigSchema>;

const secrets: Record<string, SecretRule> = {
  JWT_SECRET: {
    example: EXAMPLE_JWT_SECRET,
    developmentDefault: 'watcher-development-secret-not-for-production',
    minBytes: 32,
  },
};

/** Reads the watcher's configuration from the environment (and `.env`), every problem at once. */
export function loadWatcherConfig(options: LoadConfigOptions = {}): WatcherConfig {
  return loadConfig(watcherConfigSchema, { ...options, secrets });
}
