import { UnavailableError } from '../errors/index.js';
import type { ComponentContext } from '../service/index.js';
import { registerCacheMetrics } from './cache-metrics.js';
import type { OutageRecovery } from './recovery.js';
import { closeRedisClients, connectRedisClients } from './redis-clients.js';
import type { CacheParts } from './setup.js';
import type { CacheStats } from './stats-types.js';
import { runWarmUps, type WarmUp } from './warm-up.js';

// How long start waits for Redis before starting degraded (the connections keep trying meanwhile).
const CONNECT_WITHIN_MS = 2000;

/**
 * Starts a cache: metrics, the Redis connections (a Redis that does not answer in time leaves the
 * cache degraded, not failed), the namespace generations' subscription, the outage recovery, a
 * non-critical readiness check, then the warm-ups (waited for at most `warmUpTimeoutMs`).
 */
export async function startCache(
  parts: CacheParts,
  recovery: OutageRecovery,
  warmUps: readonly WarmUp[],
  stats: () => Promise<CacheStats>,
  context: ComponentContext,
): Promise<void> {
  parts.logger = parts.options.logger ?? context.logger;
  registerCacheMetrics(context.metrics, { stats });
  const { clients, outage } = parts;
  if (clients) {
    const up = await connectRedisClients(clients, CONNECT_WITHIN_MS);
    void parts.generations.subscribe();
    await recovery.start(up);
    context.health.register({
      name: 'cache-redis',
      critical: false,
      timeoutMs: 1000,
      check: async () => {
        await clients.command.ping();
        if (outage.degraded) throw new UnavailableError('Redis answers; the cache is still recovering');
        if (!outage.settled) throw new UnavailableError('Redis answers; waiting for the other instances to recover');
      },
    });
  }
  await runWarmUps(warmUps, parts.options.warmUpTimeoutMs, parts.logger);
}

/** Stops a cache: no more recovery ticks, bentocache's tiers and bus disconnected, Redis connections closed. */
export async function stopCache(parts: CacheParts, recovery: OutageRecovery): Promise<void> {
  parts.stopping = true;
  recovery.stop();
  await parts.bento.disconnectAll().catch(() => undefined);
  if (parts.clients) await closeRedisClients(parts.clients);
}
