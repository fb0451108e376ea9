import type { KeelCache } from '../cache/index.js';
import { UsageError } from '../errors/index.js';
import type { HttpServer } from '../http/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { Scheduler } from '../schedule/index.js';
import type { Service } from '../service/index.js';
import type { Store } from '../store/index.js';
import type { FeatureParts } from './feature.js';

/** The components a feature's parts are registered on. */
export interface Registrars<DB> {
  service: Service;
  store: Store<DB>;
  jobs: JobQueue<DB>;
  scheduler: Scheduler<DB>;
  cache: KeelCache;
  http: HttpServer;
}

/** Registers one feature's parts on the components, each where it belongs. */
export function registerParts<DB>(name: string, parts: FeatureParts<unknown>, on: Registrars<DB>): void {
  const routes = parts.routes === undefined ? [] : [parts.routes].flat();
  if (parts.prefix !== undefined && routes.length === 0)
    throw new UsageError(`Feature "${name}" has a prefix and no routes to put under it`);
  if (parts.migrations) on.store.addMigrations(parts.migrations);
  if (parts.jobs?.length) on.jobs.register(...parts.jobs);
  if (parts.schedules?.length) on.scheduler.add(...parts.schedules);
  if (parts.cacheNamespaces) on.cache.addNamespaces(parts.cacheNamespaces);
  for (const check of parts.health ?? []) on.service.health.register(check);
  for (const component of parts.components ?? []) on.service.add(component);
  for (const plugin of routes) on.http.routes(plugin, parts.prefix ? { prefix: parts.prefix } : {});
  if (parts.auth) on.http.useAuth(parts.auth);
}
