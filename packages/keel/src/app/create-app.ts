import type { DestinationStream, Logger } from 'pino';
import { z } from 'zod';
import {
  type Backups,
  type BackupsOptions,
  backupAdminRoutes,
  backupsOptionsFromConfig,
  createBackups,
} from '../backup/index.js';
import {
  type CacheOptions,
  cacheAdminRoutes,
  cacheOptionsFromConfig,
  createCache,
  type KeelCache,
} from '../cache/index.js';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import type { HealthRegistry } from '../health/index.js';
import { type AuthGuards, type HttpAuthOptions, type HttpOpenApiOptions, HttpServer } from '../http/index.js';
import {
  createJobQueue,
  type JobQueue,
  type JobQueueOptions,
  jobQueueOptionsFromConfig,
  jobsAdminRoutes,
} from '../jobs/index.js';
import { createLogger } from '../logging/index.js';
import type { MetricsRegistry } from '../metrics/index.js';
import { ResilienceRegistry, resilienceAdminRoutes } from '../resilience/index.js';
import { createScheduler, type Scheduler, type SchedulerOptions, schedulesAdminRoutes } from '../schedule/index.js';
import { Service } from '../service/index.js';
import { Store } from '../store/index.js';
import type { AppConfig } from './app-config.js';
import type { Feature } from './feature.js';
import { setUpFeatures } from './feature-set.js';
import { registerParts } from './register-parts.js';

/**
 * Options of {@link createApp}.
 *
 * @example
 * ```ts
 * const options: AppOptions<Database, Config> = { name: 'planner', config, features: [accounts, events] };
 * ```
 */
export interface AppOptions<DB, C extends AppConfig = AppConfig> {
  /** The service's name, in logs and metrics. */
  name: string;
  /** The parsed configuration ({@link appConfigSchema}, extended with the service's own). */
  config: C;
  /** The service's features, in any order. Default: none. */
  features?: readonly Feature<unknown, DB, C>[];
  /**
   * Serve HTTP. `false` makes a worker-only process of the same assembly: jobs, schedules and
   * the rest run, no port is opened. Default: `true`.
   */
  http?: boolean;
  /**
   * Who calls: sets `request.principal` for the guards; with `isAdmin`, mounts the admin API. Or a
   * feature brings it (`auth` in its parts). Default: none.
   */
  auth?: HttpAuthOptions;
  /** Where every capability's admin routes live (`<adminPrefix>/jobs/…`, …). Default: `/admin`. */
  adminPrefix?: string;
  /** OpenAPI title, version, description and security schemes. Default: the service name, `1.0.0`, none. */
  openapi?: HttpOpenApiOptions;
  /** Job queue settings beyond the config's (lease, poll interval, retention). Default: none. */
  jobs?: Omit<JobQueueOptions<DB>, 'store' | 'types'>;
  /** Cache settings beyond the config's (ttlMs, graceMs, memory limits). Default: none. */
  cache?: CacheOptions;
  /** Backup settings beyond the config's (a clock for file names). Default: none. */
  backups?: Pick<BackupsOptions, 'now'>;
  /** Scheduler settings (poll interval, run retention, clock). Default: none. */
  scheduler?: Omit<SchedulerOptions<DB>, 'store' | 'jobs' | 'schedules'>;
  /** Where JSON log lines go. Default: stdout (pretty when `LOG_PRETTY`). */
  logDestination?: DestinationStream;
}

/**
 * A service assembled from config and features, ready to `service.run()`.
 *
 * @example
 * ```ts
 * const app: App<Database> = createApp({ name: 'notes', config, features: [notes] });
 * await app.service.run();
 * ```
 */
export interface App<DB, C extends AppConfig = AppConfig> {
  name: string;
  config: C;
  service: Service;
  logger: Logger;
  metrics: MetricsRegistry;
  health: HealthRegistry;
  store: Store<DB>;
  jobs: JobQueue<DB>;
  scheduler: Scheduler<DB>;
  cache: KeelCache;
  backups: Backups;
  /** The service's named resilience policies (features get it as `resilience`). */
  resilience: ResilienceRegistry;
  /** The HTTP server; not part of the service when `http: false`. */
  http: HttpServer;
  guards: AuthGuards;
  /** A feature's exports (its service object), e.g. for a test. */
  use<E>(feature: Feature<E, DB, C>): E;
}

const optionsSchema = z
  .object({
    name: option.name(),
    config: z.object({ NODE_ENV: z.string() }).loose(),
    features: z.array(z.object({ name: z.string(), setup: option.fn() })).optional(),
    http: z.boolean().optional(),
    auth: z
      .object({ authenticate: option.fn(), isAdmin: option.fn().optional(), rateLimitKey: option.fn().optional() })
      .optional(),
    adminPrefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path such as /admin')
      .optional(),
  })
  .loose();

/**
 * Assembles a service from its configuration and its features: logger, store, job queue, cache,
 * backups, scheduler and HTTP server, started in dependency order with HTTP last. Every feature's
 * migrations, job types, schedules, routes, cache namespaces and checks are registered on them; the
 * capabilities' admin routes are mounted under `/admin` when `auth.isAdmin` is given.
 *
 * @example
 * ```ts
 * const config = loadConfig(appConfigSchema);
 * const app = createApp<Database>({ name: 'notes', config, features: [notes] });
 * await app.service.run();
 * ```
 */
export function createApp<DB, C extends AppConfig = AppConfig>(options: AppOptions<DB, C>): App<DB, C> {
  checkOptions('createApp', optionsSchema, options);
  const { config } = options;
  const logger = createLogger({
    level: config.LOG_LEVEL,
    // A given destination (tests, files) gets JSON lines to parse, never pretty text.
    pretty: config.LOG_PRETTY && !options.logDestination,
    name: options.name,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const service = new Service({
    name: options.name,
    logger,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    shutdownDelayMs: config.SHUTDOWN_DELAY_MS,
  });
  const store = new Store<DB>({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    dataDir: config.DATA_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    idleTimeoutMs: config.DATABASE_IDLE_TIMEOUT_MS,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
  });
  const jobs = createJobQueue<DB>({ store, ...jobQueueOptionsFromConfig(config), ...options.jobs });
  const cache = createCache({ ...cacheOptionsFromConfig(config), ...options.cache });
  const backups = createBackups({ store, ...backupsOptionsFromConfig(config), ...options.backups });
  const scheduler = createScheduler<DB>({ store, jobs, ...options.scheduler });
  const docs = config.DOCS_ENABLED ?? config.NODE_ENV !== 'production';
  const http = new HttpServer({
    host: config.HOST,
    port: config.PORT,
    bodyLimit: config.BODY_LIMIT_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    rateLimit: {
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindowMs: 60_000,
    },
    openapi: { title: options.name, ...options.openapi },
    docs,
    // Test suites fail on any answer the OpenAPI document does not declare (it needs the document).
    checkResponses: docs && config.NODE_ENV === 'test',
    ...(options.auth ? { auth: options.auth } : {}),
  });
  service.add(store).add(jobs).add(cache).add(backups).add(scheduler);
  const resilience = new ResilienceRegistry({ store });
  service.add(resilience);

  const handles = {
    config,
    logger,
    store,
    jobs,
    scheduler,
    cache,
    backups,
    metrics: service.metrics,
    resilience,
    guards: http.guards,
  };
  const features = options.features ?? [];
  const assembled = setUpFeatures(features, handles);
  for (const { feature, parts } of assembled)
    registerParts(feature.name, parts, { service, store, jobs, scheduler, cache, http });
  if (http.hasAdmins) {
    const admin = { guard: http.guards.admin, ...(options.adminPrefix ? { prefix: options.adminPrefix } : {}) };
    http
      .routes(jobsAdminRoutes(jobs, admin))
      .routes(schedulesAdminRoutes(scheduler, admin))
      .routes(cacheAdminRoutes(cache, admin))
      .routes(backupAdminRoutes(backups, admin))
      .routes(resilienceAdminRoutes(resilience, admin));
  }
  if (options.http !== false) service.add(http);

  const exportsOf = new Map(assembled.map(({ feature, parts }) => [feature, parts.exports]));
  return {
    name: options.name,
    config,
    service,
    logger,
    metrics: service.metrics,
    health: service.health,
    store,
    jobs,
    scheduler,
    cache,
    backups,
    resilience,
    http,
    guards: http.guards,
    use: <E>(feature: Feature<E, DB, C>): E => {
      if (!exportsOf.has(feature as Feature<unknown, DB, C>))
        throw new UsageError(`app.use: the app has no feature "${feature?.name}"`);
      return exportsOf.get(feature as Feature<unknown, DB, C>) as E;
    },
  };
}
