import { type App, createApp } from 'keel';
import type { LogDestination } from 'keel/logging';
import { accounts } from './accounts.js';
import type { WatcherConfig } from './config.js';
import type { WatcherDatabase } from './database.js';
import { type TelegramTuning, watcherNotifications } from './notifications/feature.js';
import { type CheckTuning, type IndexerTuning, watchlistFeature } from './watchlist/feature.js';

/** The watcher service, assembled but not started. */
export type Watcher = App<WatcherDatabase, WatcherConfig> & { watchlist: WatchlistExports };

/** What the watchlist feature exports (its service, checker, indexer client and check job). */
export type WatchlistExports = ReturnType<ReturnType<typeof watchlistFeature>['setup']>['exports'] & {};

/** Options of {@link createWatcher}. */
export interface WatcherOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: LogDestination;
  /** Serve HTTP; `false` runs only checks and deliveries (a worker process). Default: `true`. */
  http?: boolean;
  /** Indexer resilience settings (timeouts, retries, breaker). Default: see {@link IndexerTuning}. */
  indexer?: IndexerTuning;
  /** How failed checks are retried. Default: see {@link CheckTuning}. */
  checks?: CheckTuning;
  /** Telegram pacing and retry settings. Default: keel/notify's. */
  telegram?: TelegramTuning;
  /** How often idle job workers look for work. Default: Keel's. */
  jobPollIntervalMs?: number;
}

/** Builds NightWatcher from its configuration: accounts, notifications (Telegram) and the watchlist. */
export function createWatcher(config: WatcherConfig, options: WatcherOptions = {}): Watcher {
  const notifications = watcherNotifications(options.telegram);
  const watchlist = watchlistFeature(notifications, options.indexer, options.checks);
  const app = createApp<WatcherDatabase, WatcherConfig>({
    name: 'watcher',
    config,
    features: [accounts, notifications, watchlist],
    openapi: {
      title: 'NightWatcher API',
      version: '1.0.0',
      description: 'A watchlist per user, checked against a Prowlarr-compatible indexer; new releases on Telegram.',
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
    ...(options.http === undefined ? {} : { http: options.http }),
    ...(options.jobPollIntervalMs === undefined ? {} : { jobs: { pollIntervalMs: options.jobPollIntervalMs } }),
  });
  return Object.assign(app, { watchlist: app.use(watchlist) });
}
