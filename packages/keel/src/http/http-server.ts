import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { KeelError, NotFoundError, RateLimitedError, UnavailableError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerMetrics } from './metrics-hooks.js';
import { sendProblem } from './problem.js';
import { requestIdFor } from './request-id.js';
import { securityHeaders } from './security-headers.js';

/** The Fastify instance Keel builds, with zod schemas on routes. */
export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A plugin that adds routes to the {@link HttpApp}. */
export type HttpRoutes = (app: HttpApp) => Promise<void>;

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind. Default: `127.0.0.1`. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default: 3000. */
  port?: number;
  /** Largest accepted body in bytes. Default: 1048576. */
  bodyLimit?: number;
  /** Allowed CORS origins; `['*']` allows all; empty disables CORS. Default: `[]`. */
  corsOrigins?: string[];
  /** Rate limiting; `false` turns it off. Default: 600 requests per minute per client IP. */
  rateLimit?: false | HttpRateLimitOptions;
  /** OpenAPI document at `/docs` and `/docs/json`. Default: title from the service name, version `1.0.0`. */
  openapi?: { title?: string; version?: string; description?: string };
  /** Trust `X-Forwarded-*` from a proxy. Default: `false`. */
  trustProxy?: boolean | string | string[];
  /** Names of components the routes use, started before the server listens. Default: none. */
  dependsOn?: string[];
}

/** Global rate limit settings; routes override `max` with `config: { rateLimit: { max } }`. */
export interface HttpRateLimitOptions {
  /** Requests per window per key. Default: 600. */
  max?: number;
  /** Window length in ms. Default: 60000. */
  timeWindowMs?: number;
  /** The client key; default: the client IP. May be async (e.g. a verified token's subject). */
  keyGenerator?: (request: FastifyRequest) => string | Promise<string>;
}

// Never rate limited, never cut off by the drain: probes and scrapes must always get through.
const OPERATIONAL = /^\/(health|metrics)(\/|$|\?)/;

/**
 * The HTTP server component: Fastify with request ids, per-request logs, helmet, CORS, rate limits,
 * zod route schemas, OpenAPI at `/docs`, problem+json errors, `/health/*` and `/metrics`; on shutdown
 * it answers 503 to new requests while those already accepted finish.
 *
 * @example
 * ```ts
 * const http = createHttpServer({ port: 3000, dependsOn: ['store'] });
 * http.routes(async (app) => { app.get('/hello', async () => ({ hello: 'world' })); });
 * service.add(http);
 * ```
 */
export class HttpServer implements Component {
  readonly name = 'http';
  private readonly dependencies: string[];
  private readonly options: HttpServerOptions;
  private readonly plugins: HttpRoutes[] = [];
  private instance: HttpApp | undefined;
  private draining = false;
  // Requests accepted before the drain, by raw request, with a line naming each for the shutdown log.
  private readonly inFlight = new Map<object, FastifyRequest>();
  private idle: (() => void) | undefined;

  constructor(options: HttpServerOptions = {}) {
    this.options = options;
    this.dependencies = [...(options.dependsOn ?? [])];
  }

  /** Names of components started before the server listens (and stopped after it drains). */
  get dependsOn(): readonly string[] {
    return this.dependencies;
  }

  /**
   * Starts the server only after these components (the ones its routes use); call before the service starts.
   *
   * @example
   * ```ts
   * http.after('jobs', 'cache');
   * ```
   */
  after(...names: string[]): this {
    if (this.instance) throw new KeelError('conflict', 'Dependencies must be added before the HTTP server starts');
    for (const name of names) if (!this.dependencies.includes(name)) this.dependencies.push(name);
    return this;
  }

  /** Adds routes; call before the service starts. Each call is its own encapsulated Fastify plugin. */
  routes(plugin: HttpRoutes): this {
    if (this.instance) throw new KeelError('conflict', 'Routes must be added before the HTTP server starts');
    this.plugins.push(plugin);
    return this;
  }

  /** The Fastify instance, once started (for `inject` in tests). */
  get app(): HttpApp {
    if (!this.instance) throw new UnavailableError('The HTTP server has not started');
    return this.instance;
  }

  /** The base URL the server listens on, once started. */
  get url(): string {
    const address = this.app.server.address();
    if (address === null || typeof address === 'string') throw new UnavailableError('The HTTP server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  async start(context: ComponentContext): Promise<void> {
    const app = Fastify({
      loggerInstance: context.logger,
      genReqId: requestIdFor,
      // Keel logs one 'request completed' line itself; Fastify's own request lines are off.
      logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
      bodyLimit: this.options.bodyLimit ?? 1_048_576,
      trustProxy: this.options.trustProxy ?? false,
      routerOptions: { ignoreTrailingSlash: true },
      return503OnClosing: false,
      forceCloseConnections: 'idle',
    }).withTypeProvider<ZodTypeProvider>() as unknown as HttpApp;
    this.instance = app;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
    app.setNotFoundHandler((request, reply) =>
      sendProblem(new NotFoundError(`No route for ${request.method} ${request.url.split('?')[0]}`), request, reply),
    );

    // Requests accepted before the drain are counted, so stop() knows when the last one is done.
    const headers = securityHeaders();
    app.addHook('onRequest', async (request, reply) => {
      reply.headers(headers);
      reply.header('x-request-id', request.id);
      if (this.draining && !OPERATIONAL.test(request.url)) {
        reply.header('connection', 'close').header('retry-after', '5');
        return sendProblem(new UnavailableError('The service is shutting down'), request, reply);
      }
      this.inFlight.set(request.raw, request);
      request.log.debug({ method: request.method, url: request.url }, 'incoming request');
    });
    const settle = (request: FastifyRequest): void => {
      if (!this.inFlight.delete(request.raw)) return;
      if (this.inFlight.size === 0) this.idle?.();
    };
    app.addHook('onRequestAbort', async (request) => settle(request));
    app.addHook('onResponse', async (request, reply) => {
      settle(request);
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    });

    try {
      await this.configure(app, context);
      await app.listen({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 3000 });
    } catch (error) {
      // A half-built server (a plugin failed, the port is taken) must not keep sockets or timers open.
      await app.close().catch(() => undefined);
      throw error;
    }
    context.logger.info({ url: this.url }, 'HTTP server listening');
  }

  private async configure(app: HttpApp, context: ComponentContext): Promise<void> {
    registerMetrics(app, context.metrics);
    const origins = this.options.corsOrigins ?? [];
    if (origins.length > 0) {
      await app.register(cors, { origin: origins.includes('*') ? true : origins, credentials: !origins.includes('*') });
    }
    if (this.options.rateLimit !== false) {
      const limits = this.options.rateLimit ?? {};
      await app.register(rateLimit, {
        global: true,
        max: limits.max ?? 600,
        timeWindow: limits.timeWindowMs ?? 60_000,
        ...(limits.keyGenerator ? { keyGenerator: limits.keyGenerator } : {}),
        allowList: (request) => OPERATIONAL.test(request.url),
        errorResponseBuilder: (_request, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000))),
      });
    }
    await app.register(swagger, {
      openapi: {
        info: {
          title: this.options.openapi?.title ?? 'API',
          version: this.options.openapi?.version ?? '1.0.0',
          ...(this.options.openapi?.description ? { description: this.options.openapi.description } : {}),
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    registerHealthRoutes(app, context);
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(context.metrics.contentType).send(await context.metrics.text()),
    );
    for (const plugin of this.plugins) await app.register(plugin);
  }

  beginShutdown(): void {
    this.draining = true;
  }

  async stop(context: StopContext): Promise<void> {
    const app = this.instance;
    if (!app) return;
    this.draining = true;
    if (this.inFlight.size > 0 && !context.signal.aborted) {
      context.logger.info({ inFlight: this.inFlight.size }, 'waiting for requests in flight');
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (this.inFlight.size > 0) {
      for (const request of this.inFlight.values()) {
        context.reportAbandoned(`HTTP request ${request.method} ${request.url} (request ${request.id})`);
      }
      this.inFlight.clear();
      app.server.closeAllConnections();
    }
    await app.close();
  }
}

/** Creates the {@link HttpServer} component. */
export function createHttpServer(options?: HttpServerOptions): HttpServer {
  return new HttpServer(options);
}
