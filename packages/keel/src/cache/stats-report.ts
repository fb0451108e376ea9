import { readRedisStats } from './redis-stats.js';
import type { CacheParts } from './setup.js';
import type { CacheStats, NamespaceStats, RedisTierStats } from './stats-types.js';

/** Hits, misses, hit rate and memory use per namespace, and what Redis reports about itself. */
export async function readCacheStats(parts: CacheParts, degraded: boolean): Promise<CacheStats> {
  const usage = parts.memory.usage();
  const counted = parts.counters.byNamespace;
  const names = new Set([...counted.keys(), ...usage.keys()]);
  const namespaces: Record<string, NamespaceStats> = {};
  for (const namespace of [...names].sort()) {
    const c = counted.get(namespace);
    const u = usage.get(namespace);
    const hits = c?.hits ?? 0;
    const misses = c?.misses ?? 0;
    namespaces[namespace] = {
      hits,
      misses,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      memoryHits: c?.memoryHits ?? 0,
      redisHits: c?.redisHits ?? 0,
      gracedHits: c?.gracedHits ?? 0,
      memoryEntries: u?.entries ?? 0,
      memoryBytes: u?.bytes ?? 0,
    };
  }
  return { namespaces, redis: await redisTierStats(parts, degraded) };
}

async function redisTierStats(parts: CacheParts, degraded: boolean): Promise<RedisTierStats | null> {
  if (!parts.clients) return null;
  try {
    const stats = await readRedisStats(parts.clients.command);
    return { status: degraded ? 'recovering' : 'up', ...stats };
  } catch (error) {
    const since = parts.outage.since;
    return {
      status: 'down',
      error: error instanceof Error ? error.message : String(error),
      since: since === undefined ? undefined : new Date(since).toISOString(),
    };
  }
}
