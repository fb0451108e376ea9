import type { Logger } from 'pino';
import { z } from 'zod';
import type { Backups } from '../backup/index.js';
import type { KeelCache, NamespaceOptions } from '../cache/index.js';
import { checkOptions, option } from '../config/index.js';
import type { HealthCheck } from '../health/index.js';
import type { AuthGuards, HttpAuthOptions, HttpRoutes } from '../http/index.js';
import type { JobQueue, JobType } from '../jobs/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import type { ResilienceRegistry } from '../resilience/index.js';
import type { Schedule, Scheduler } from '../schedule/index.js';
import type { Component } from '../service/index.js';
import type { Migration, Store } from '../store/index.js';
import type { AppConfig } from './app-config.js';

/**
 * What a feature's `setup` is given: the service's components as typed handles, and the other
 * features' exports through `use`.
 *
 * @example
 * ```ts
 * setup: (app: FeatureContext<Database, Config>) => ({ exports: new EventService(app.store, app.cache) })
 * ```
 */
export interface FeatureContext<DB, C extends AppConfig = AppConfig> {
  /** The service's parsed configuration. */
  config: C;
  /** The service's logger, bound to the feature's name. */
  logger: Logger;
  store: Store<DB>;
  jobs: JobQueue<DB>;
  scheduler: Scheduler<DB>;
  cache: KeelCache;
  backups: Backups;
  metrics: MetricsRegistry;
  /** The service's named resilience policies (retry, breaker, bulkhead...), reported in metrics, logs, admin and readiness. */
  resilience: ResilienceRegistry;
  /** Route guards: `authenticated` and `admin`, which set `request.principal`. */
  guards: AuthGuards;
  /** Another feature's exports; it is set up first if it was not yet (a cycle is refused). */
  use<E>(feature: Feature<E, DB, C>): E;
}

/**
 * What a feature brings; every part is optional.
 *
 * @example
 * ```ts
 * const parts: FeatureParts<EventService> = { migrations, jobs: [sendReminder], routes: eventRoutes, prefix: '/api/v1', exports: events };
 * ```
 */
export interface FeatureParts<E> {
  /** Migrations of the feature's tables, run with every feature's in name order (names must be unique). */
  migrations?: Record<string, Migration>;
  /** Job types the feature's code enqueues or runs. */
  jobs?: readonly JobType[];
  /** Schedules; a one-declaration schedule brings its own job type. */
  schedules?: readonly Schedule[];
  /** Route plugins, each registered under `prefix`. */
  routes?: HttpRoutes | readonly HttpRoutes[];
  /** Prepended to the feature's routes. Default: none. */
  prefix?: string;
  /** Readiness checks. */
  health?: readonly HealthCheck[];
  /** Cache namespaces the feature reads and writes, with their options. */
  cacheNamespaces?: Record<string, NamespaceOptions>;
  /** Who calls: the feature that owns accounts authenticates requests (one feature at most). */
  auth?: HttpAuthOptions;
  /** Components of the feature's own (a poller, a consumer), started after the store and before ingress. */
  components?: readonly Component[];
  /** What other features get from `use(feature)`. */
  exports?: E;
}

/**
 * A unit of a service: its tables, jobs, schedules, routes, cache namespaces and checks, from
 * {@link defineFeature}.
 *
 * @example
 * ```ts
 * const features: Feature<unknown, Database, Config>[] = [accounts, events];
 * ```
 */
export interface Feature<E, DB, C extends AppConfig = AppConfig> {
  readonly name: string;
  readonly setup: (app: FeatureContext<DB, C>) => FeatureParts<E>;
}

/**
 * Declares a feature. `setup` runs once, when {@link createApp} assembles the service, and wires
 * the feature from the handles it is given; nothing runs until the service starts.
 *
 * @example
 * ```ts
 * type App = FeatureContext<Database, AppConfig>;
 * export const notes = defineFeature({
 *   name: 'notes',
 *   setup: (app: App) => ({
 *     migrations: { '0001_notes': createNotesTable },
 *     routes: async (http) => { http.get('/notes', async () => app.store.db.selectFrom('notes').selectAll().execute()); },
 *     prefix: '/api',
 *   }),
 * });
 * ```
 */
export function defineFeature<E, DB, C extends AppConfig = AppConfig>(definition: {
  /** Unique within the service; shown in logs. */
  name: string;
  setup: (app: FeatureContext<DB, C>) => FeatureParts<E>;
}): Feature<E, DB, C> {
  const { name, setup } = checkOptions('defineFeature', featureSchema, definition);
  return Object.freeze({ name, setup: setup as Feature<E, DB, C>['setup'] });
}

const featureSchema = z.object({ name: option.name(), setup: option.fn<(app: never) => unknown>() });
