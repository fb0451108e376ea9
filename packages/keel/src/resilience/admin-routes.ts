import { z } from 'zod';
import { NotFoundError } from '../errors/index.js';
import { type AdminRoutesOptions, defineAdminRoutes, type HttpRoutes } from '../http/index.js';
import type { CircuitBreakerPolicy } from './circuit-breaker.js';
import type { ResilienceRegistry } from './registry.js';

/** The answer for one breaker: {@link CircuitSnapshot} as JSON. */
const breakerView = z.object({
  name: z.string(),
  state: z.enum(['closed', 'open', 'half-open', 'isolated']),
  critical: z.boolean().describe('Readiness is down (not degraded) while it is open'),
  shared: z.boolean().describe('Its state is shared with the other instances through the store'),
  openedAt: z.string().optional().describe('When it last opened (ISO 8601)'),
  halfOpenAt: z.string().optional().describe('When it lets a probe through (ISO 8601)'),
  lastFailure: z.string().optional().describe('The last failure that counted'),
});
const nameParams = z.object({ name: z.string().min(1).max(128) });

function find(registry: ResilienceRegistry, name: string): CircuitBreakerPolicy {
  const breaker = registry.breaker(name);
  if (breaker === undefined) throw new NotFoundError(`There is no circuit breaker "${name.slice(0, 128)}"`);
  return breaker;
}

const routes = defineAdminRoutes<ResilienceRegistry>({
  capability: 'resilience',
  routes: (app, registry) => {
    app.get(
      '/breakers',
      {
        schema: {
          summary: 'List circuit breakers',
          description: 'Every circuit breaker of the service, by name, with its state as this instance sees it.',
          response: { 200: z.object({ items: z.array(breakerView) }) },
        },
      },
      async () => {
        const breakers = registry.breakers();
        await Promise.all(breakers.map((breaker) => breaker.refresh()));
        return { items: breakers.map((breaker) => breaker.snapshot()) };
      },
    );
    app.get(
      '/breakers/:name',
      {
        schema: {
          summary: 'Show a circuit breaker',
          params: nameParams,
          response: { 200: breakerView },
        },
      },
      async (request) => {
        const breaker = find(registry, request.params.name);
        await breaker.refresh();
        return breaker.snapshot();
      },
    );
    app.post(
      '/breakers/:name/isolate',
      {
        schema: {
          summary: 'Isolate a circuit breaker',
          description:
            'Holds the circuit open by hand (every call refused) until it is reset; shared breakers on every instance.',
          params: nameParams,
          response: { 200: breakerView },
        },
      },
      async (request) => {
        const breaker = find(registry, request.params.name);
        await breaker.isolate();
        return breaker.snapshot();
      },
    );
    app.post(
      '/breakers/:name/reset',
      {
        schema: {
          summary: 'Reset a circuit breaker',
          description: 'Closes the circuit by hand (ending an isolation), forgetting the failures counted.',
          params: nameParams,
          response: { 200: breakerView },
        },
      },
      async (request) => {
        const breaker = find(registry, request.params.name);
        await breaker.reset();
        return breaker.snapshot();
      },
    );
  },
});

/**
 * The resilience admin API as an {@link HttpRoutes} plugin at `<prefix>/resilience` (prefix default
 * `/admin`), every route behind `guard`: `GET /admin/resilience/breakers`,
 * `GET /admin/resilience/breakers/{name}`, `POST /admin/resilience/breakers/{name}/isolate`,
 * `POST /admin/resilience/breakers/{name}/reset`.
 *
 * @example
 * ```ts
 * http.routes(resilienceAdminRoutes(app.resilience, { guard: http.guards.admin }));
 * ```
 */
export function resilienceAdminRoutes(registry: ResilienceRegistry, options: AdminRoutesOptions): HttpRoutes {
  return routes(registry, options);
}
