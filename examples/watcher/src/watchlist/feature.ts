import { defineFeature } from 'keel';
import { defineJob } from 'keel/jobs';
import { defineSchedule } from 'keel/schedule';
import { z } from 'zod';
import type { WatcherApp } from '../database.js';
import { IndexerClient, type IndexerOptions } from '../indexer/client.js';
import type { WatcherNotifications } from '../notifications/feature.js';
import { telegramRoutes } from '../telegram/routes.js';
import { ItemChecker } from './check.js';
import { WatchlistRepository } from './repository.js';
import { watchlistRoutes } from './routes.js';
import { type CheckPayload, checkKey, WatchlistService } from './service.js';
import { watchlistMigrations } from './tables.js';

/** Indexer settings beyond the configuration (tests shorten the breaker's pause). */
export type IndexerTuning = Omit<IndexerOptions, 'url' | 'apiKey' | 'concurrency' | 'resilience'>;

/** How failed checks are retried (tests shorten it). */
export interface CheckTuning {
  /** Attempts of one check job. Default: 5. */
  maxAttempts?: number;
  /** First delay before a failed check runs again, doubling up to `backoffMaxMs`. Default: 10000 ms. */
  backoffBaseMs?: number;
  /** The longest delay between two attempts of a check. Default: 300000 ms. */
  backoffMaxMs?: number;
}

/** The queue of check jobs. */
export const WATCH_QUEUE = 'watch';
// While no indexer is configured, a queued check looks again this often.
const UNCONFIGURED_RETRY_MS = 60_000;
const ITEMS_PER_BATCH = 500;

/**
 * The watchlist: items per user, a check job per item (durable, one at a time per item), a
 * schedule that queues every item's check each `WATCH_INTERVAL_MS`, and the Telegram link route.
 */
export function watchlistFeature(
  notifications: WatcherNotifications,
  tuning: IndexerTuning = {},
  checks: CheckTuning = {},
) {
  return defineFeature({
    name: 'watchlist',
    setup: (app: WatcherApp) => {
      const notifier = app.use(notifications);
      const items = new WatchlistRepository(app.store);
      const indexer = new IndexerClient({
        ...tuning,
        url: app.config.INDEXER_URL,
        apiKey: app.config.INDEXER_API_KEY,
        concurrency: app.config.WATCH_CONCURRENCY,
        resilience: app.resilience,
      });
      const checker = new ItemChecker(app.store, items, indexer, notifier, app.logger);
      const checkJob = defineJob({
        name: 'watcher.check',
        queue: WATCH_QUEUE,
        payload: z.object({ itemId: z.string().min(1).max(100) }),
        maxAttempts: checks.maxAttempts ?? 5,
        backoff: { type: 'exponential', baseMs: checks.backoffBaseMs ?? 10_000, maxMs: checks.backoffMaxMs ?? 300_000 },
        timeoutMs: 120_000,
        handler: async ({ itemId }: CheckPayload, ctx) => {
          if (!indexer.configured) {
            // Checks wait for an instance with an indexer; this one looks again later.
            await ctx.enqueue(checkJob, { itemId }, { delayMs: UNCONFIGURED_RETRY_MS });
            return { itemId, waiting: 'indexer not configured' };
          }
          return checker.check(itemId, ctx.signal);
        },
      });
      const everyItem = defineSchedule({
        name: 'watch-all',
        intervalMs: app.config.WATCH_INTERVAL_MS,
        jobOptions: { queue: WATCH_QUEUE },
        handler: async (ctx) => {
          if (!indexer.configured) {
            ctx.logger.warn('no indexer is configured (INDEXER_URL): checks wait');
            return { queued: 0 };
          }
          let queued = 0;
          for (let after = ''; ; ) {
            const ids = await items.itemIdsAfter(after, ITEMS_PER_BATCH);
            if (ids.length === 0) break;
            after = ids.at(-1)!;
            const jobs = await app.jobs.enqueueMany(
              checkJob,
              ids.map((itemId) => ({ payload: { itemId }, options: { dedupeKey: checkKey(itemId) } })),
            );
            queued += jobs.filter((job) => !job.existing).length;
          }
          return { queued };
        },
      });
      const service = new WatchlistService(items, app.jobs, checkJob);
      return {
        migrations: watchlistMigrations,
        jobs: [checkJob],
        schedules: [everyItem],
        components: indexer.http ? [indexer.http] : [],
        health: [indexer.healthCheck()],
        routes: [watchlistRoutes(service, app.guards), telegramRoutes(notifier, app.guards)],
        prefix: '/api/v1',
        exports: { service, checker, indexer, checkJob, notifier },
      };
    },
  });
}
