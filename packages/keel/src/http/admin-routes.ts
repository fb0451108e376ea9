import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import type { HttpApp, HttpRoutes } from './http-server.js';

/**
 * Runs before every admin route: throws (an `UnauthorizedError`, a `ForbiddenError`) or replies
 * to refuse the caller.
 *
 * @example
 * ```ts
 * const guard: AdminGuard = async (request) => { if (!isAdmin(request)) throw new ForbiddenError(); };
 * ```
 */
export type AdminGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Where a capability's admin routes live and who may call them; the same for every capability.
 *
 * @example
 * ```ts
 * http.routes(jobsAdminRoutes(jobs, { guard: requireAdmin, prefix: '/ops' })); // /ops/jobs/...
 * ```
 */
export interface AdminRoutesOptions {
  /** Runs before every route; required, so admin routes are never public by accident. */
  guard: AdminGuard;
  /** The admin root; a capability's routes live at `<prefix>/<capability>/…`. Default: `/admin`. */
  prefix?: string;
}

/**
 * A route kept at an older path beside its `/admin/<capability>/…` one, for callers that already
 * use it.
 *
 * @example
 * ```ts
 * const alias: AdminRouteAlias = { method: 'GET', path: '/cache_stats', of: '/stats' };
 * ```
 */
export interface AdminRouteAlias {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The alias, under the admin root (e.g. `/cache_stats` is served at `/admin/cache_stats`). */
  path: string;
  /** The route it serves, under the capability's path (e.g. `/stats` for `/admin/cache/stats`). */
  of: string;
}

/**
 * How a capability declares its admin routes.
 *
 * @example
 * ```ts
 * const definition: AdminRoutesDefinition<JobQueue> = { capability: 'jobs', routes: (app, jobs) => {} };
 * ```
 */
export interface AdminRoutesDefinition<T> {
  /** The capability's name, its path segment and its OpenAPI tag (`<capability> admin`). */
  capability: string;
  /** Registers the routes, relative to `<prefix>/<capability>`. */
  routes: (app: HttpApp, target: T) => void | Promise<void>;
  /** Older paths kept as documented aliases. Default: none. */
  aliases?: readonly AdminRouteAlias[];
}

const optionsSchema = z.object({
  guard: option.fn<AdminGuard>(),
  prefix: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+\/?$/, 'must be a path such as /admin')
    .optional(),
});

/**
 * Makes a capability's admin-routes factory: every route lives at `<prefix>/<capability>/…`, runs
 * the guard first, is tagged `<capability> admin` in OpenAPI and declares the guard's 401 and 403.
 *
 * @example
 * ```ts
 * export const jobsAdminRoutes = defineAdminRoutes<JobQueue>({
 *   capability: 'jobs',
 *   routes: (app, jobs) => { app.get('/stats', async () => jobs.stats()); },
 * });
 * http.routes(jobsAdminRoutes(jobs, { guard: requireAdmin })); // GET /admin/jobs/stats
 * ```
 */
export function defineAdminRoutes<T>(
  definition: AdminRoutesDefinition<T>,
): (target: T, options: AdminRoutesOptions) => HttpRoutes {
  const { capability } = definition;
  return (target, options) => {
    const what = `${capability}AdminRoutes`;
    const { guard, prefix = '/admin' } = checkOptions(what, optionsSchema, options);
    const root = prefix.replace(/\/+$/, '');
    const tags = [`${capability} admin`];
    return async (app) => {
      const captured: RouteOptions[] = [];
      await app.register(
        async (scope) => {
          scope.addHook('onRequest', guard);
          scope.addHook('onRoute', (route) => {
            route.schema = { tags, ...route.schema, problems: [...(route.schema?.problems ?? []), 401, 403] };
            captured.push(route);
          });
          await definition.routes(scope, target);
        },
        { prefix: `${root}/${capability}` },
      );
      const aliases = definition.aliases ?? [];
      if (aliases.length === 0) return;
      await app.register(
        async (scope) => {
          scope.addHook('onRequest', guard);
          for (const alias of aliases) {
            const url = `${root}/${capability}${alias.of}`;
            const route = captured.find((r) => r.url === url && [r.method].flat().includes(alias.method));
            if (!route) throw new TypeError(`${what}: alias ${alias.path} names no route ${alias.method} ${url}`);
            scope.route({
              method: alias.method,
              url: alias.path,
              handler: route.handler,
              schema: { ...route.schema, summary: `${route.schema?.summary ?? alias.of} (alias of ${url})` },
              ...(route.config ? { config: route.config } : {}),
            });
          }
        },
        { prefix: root },
      );
    };
  };
}
