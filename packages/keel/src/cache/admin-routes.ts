import { z } from 'zod';
import { defineAdminRoutes } from '../http/index.js';
import type { KeelCache } from './keel-cache.js';

const count = z.number().int().nonnegative();
const redisFigures = {
  usedMemoryBytes: count.describe('Redis `used_memory`'),
  keyCount: count.describe('Keys in the Redis database (`DBSIZE`), every user of that database included'),
  connectedClients: count.describe('Redis `connected_clients`'),
};

/** The answer of `GET /admin/cache/stats`: {@link CacheStats} as JSON. */
const cacheStatsView = z.object({
  namespaces: z.record(
    z.string(),
    z.object({
      hits: count,
      misses: count,
      hitRate: z.number().min(0).max(1).describe('hits / (hits + misses), 0 before any read'),
      memoryHits: count,
      redisHits: count,
      gracedHits: count.describe('Hits that served an expired (graced) value'),
      memoryEntries: count.describe("Entries of the namespace in this process's memory tier"),
      memoryBytes: count.describe('Their serialized size (keys and values), in bytes'),
    }),
  ),
  redis: z
    .discriminatedUnion('status', [
      z.object({ status: z.literal('up'), ...redisFigures }),
      z.object({ status: z.literal('recovering'), ...redisFigures }),
      z.object({
        status: z.literal('down'),
        error: z.string(),
        since: z.string().optional().describe('When the outage began (ISO 8601)'),
      }),
    ])
    .nullable()
    .describe('The Redis tier as this process sees it; null for a memory-only cache'),
});

/**
 * The cache's admin routes behind a guard: `GET <prefix>/cache/stats` (hits, misses, hit rate and
 * memory per namespace; Redis memory, keys and clients), also served at its older path
 * `GET <prefix>/cache_stats`. Both are in the OpenAPI document.
 *
 * @example
 * ```ts
 * http.routes(cacheAdminRoutes(cache, { guard: http.guards.admin })); // GET /admin/cache/stats
 * ```
 */
export const cacheAdminRoutes = defineAdminRoutes<KeelCache>({
  capability: 'cache',
  routes: (app, cache) => {
    app.get(
      '/stats',
      {
        schema: {
          summary: 'Cache stats',
          description:
            "Hits, misses, hit rate and memory use per namespace in this process, and the Redis tier's state.",
          response: { 200: cacheStatsView },
        },
      },
      async () => cache.stats(),
    );
  },
  aliases: [{ method: 'GET', path: '/cache_stats', of: '/stats' }],
});
