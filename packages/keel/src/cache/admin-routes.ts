import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../errors/index.js';
import type { HttpRoutes } from '../http/index.js';
import type { KeelCache } from './keel-cache.js';

/** A Fastify `onRequest` hook that rejects callers who may not see the stats (throw or reply). */
export type CacheAdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Options of {@link cacheAdminRoutes}. */
export interface CacheAdminRoutesOptions {
  /** Runs before the handler; required, so the stats are never public by accident. */
  onRequest: CacheAdminGuard;
  /** Path of the stats route. Default: `/admin/cache_stats`. */
  path?: string;
}

/**
 * Routes serving the cache's stats (`GET /admin/cache_stats`) behind a guard.
 *
 * @example
 * ```ts
 * http.routes(cacheAdminRoutes(cache, { onRequest: requireAdmin }));
 * ```
 */
export function cacheAdminRoutes(cache: KeelCache, options: CacheAdminRoutesOptions): HttpRoutes {
  const { onRequest } = options;
  if (typeof onRequest !== 'function') {
    throw new ValidationError([{ location: 'options', path: 'onRequest', message: 'must be a guard function' }]);
  }
  return async (app) => {
    app.get(options.path ?? '/admin/cache_stats', { onRequest, schema: { hide: true } }, async () => cache.stats());
  };
}
