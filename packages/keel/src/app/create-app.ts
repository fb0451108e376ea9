import type { DestinationStream, Logger } from 'pino';
import type { BaseConfig } from '../config/index.js';
import { type HttpOpenApiOptions, type HttpRateLimitOptions, HttpServer } from '../http/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { type Migration, Store } from '../store/index.js';

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The service's name, in logs and metrics. */
  name: string;
  /** The parsed base configuration (see `baseConfigSchema`). */
  config: BaseConfig;
  /** Store migrations, run at start. Default: none. */
  migrations?: Record<string, Migration>;
  /** OpenAPI title, version, description and security schemes. Default: the service name, `1.0.0`, none. */
  openapi?: HttpOpenApiOptions;
  /** The rate limit's client key. Default: the client IP. */
  rateLimitKey?: HttpRateLimitOptions['keyGenerator'];
  /** Where JSON log lines go. Default: stdout (pretty when `LOG_PRETTY`). */
  logDestination?: DestinationStream;
}

/** A service wired from config: logger, store and HTTP server, ready for routes and more components. */
export interface App<DB> {
  service: Service;
  logger: Logger;
  store: Store<DB>;
  http: HttpServer;
}

/**
 * Wires the usual service from a {@link BaseConfig}: a redacting logger, the SQL store and the HTTP
 * server (after the store), all in one {@link Service}.
 *
 * @example
 * ```ts
 * const { service, http } = createApp<Database>({ name: 'planner', config, migrations });
 * http.routes(eventRoutes);
 * await service.run();
 * ```
 */
export function createApp<DB>(options: AppOptions): App<DB> {
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
    ...(options.migrations ? { migrations: options.migrations } : {}),
  });
  const http = new HttpServer({
    host: config.HOST,
    port: config.PORT,
    bodyLimit: config.BODY_LIMIT_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    rateLimit: {
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindowMs: 60_000,
      ...(options.rateLimitKey ? { keyGenerator: options.rateLimitKey } : {}),
    },
    openapi: { title: options.name, ...options.openapi },
    docs: config.DOCS_ENABLED ?? config.NODE_ENV !== 'production',
    // Test suites fail on any answer the OpenAPI document does not declare.
    checkResponses: config.NODE_ENV === 'test',
    dependsOn: [store.name],
  });
  service.add(store).add(http);
  return { service, logger, store, http };
}
