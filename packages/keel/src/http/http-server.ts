import type { IncomingMessage } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import {
  ForbiddenError,
  KeelError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  UsageError,
} from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { AllowedMethods } from './allowed-methods.js';
import { registerApiDocs } from './api-docs.js';
import { ConnectionDrain } from './connection-drain.js';
import { answerClientError, answerRouterError } from './framework-errors.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerMetrics } from './metrics-hooks.js';
import type { AuthGuards, HttpAuthOptions, Principal } from './principal.js';
import { sendProblem } from './problem.js';
import { requestIdFor } from './request-id.js';
import { securityHeaders } from './security-headers.js';

/**
 * The Fastify instance Keel builds, with zod schemas on routes.
 *
 * @example
 * ```ts
 * const app: HttpApp = http.app;
 * const response = await app.inject({ method: 'GET', url: '/health/live' });
 * ```
 */
export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * A plugin that adds routes to the {@link HttpApp}.
 *
 * @example
 * ```ts
 * const eventRoutes: HttpRoutes = async (app) => {
 *   app.get('/events', async () => ({ events: [] }));
 * };
 * http.routes(eventRoutes, { prefix: '/api/v1' });
 * ```
 */
export type HttpRoutes = (app: HttpApp) => Promise<void>;

/**
 * Options of {@link createHttpServer}.
 *
 * @example
 * ```ts
 * const options: HttpServerOptions = { port: 8080, corsOrigins: ['https://app.example.com'], dependsOn: ['store'] };
 * ```
 */
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
  /** The OpenAPI document. Default: title `API`, version `1.0.0`, no security schemes. */
  openapi?: HttpOpenApiOptions;
  /** Serve the OpenAPI document and its UI at `/docs` and `/docs/json`. Default: `true`. */
  docs?: boolean;
  /**
   * Check every answer against the OpenAPI document and turn a mismatch into a logged 500: for test
   * suites, so an undeclared status or a body off its schema fails them. Needs `docs`. Default: `false`.
   */
  checkResponses?: boolean;
  /** Trust `X-Forwarded-*` from a proxy. Default: `false`. */
  trustProxy?: boolean | string | string[];
  /** Names of components the routes use, started before the server listens. Default: none. */
  dependsOn?: string[];
  /** Who calls: `request.principal` and the {@link HttpServer.guards}. Default: none (the guards answer 401). */
  auth?: HttpAuthOptions;
}

/**
 * Options of {@link HttpServer.routes}.
 *
 * @example
 * ```ts
 * http.routes(eventRoutes, { prefix: '/api/v1' });
 * ```
 */
export interface HttpRoutesOptions {
  /** Prepended to every route's path. Default: none. */
  prefix?: string;
}

/**
 * What the OpenAPI document says of the service.
 *
 * @example
 * ```ts
 * const openapi: HttpOpenApiOptions = { title: 'Planner API', version: '2.1.0', description: 'Events and bookings' };
 * const http = createHttpServer({ openapi });
 * ```
 */
export interface HttpOpenApiOptions {
  title?: string;
  version?: string;
  description?: string;
  /** Security schemes routes name in `schema.security`, e.g. `{ bearerAuth: { type: 'http', scheme: 'bearer' } }`. */
  securitySchemes?: Record<string, OpenApiSecurityScheme>;
}

/**
 * An OpenAPI 3.1 security scheme object.
 *
 * @example
 * ```ts
 * const bearerAuth: OpenApiSecurityScheme = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
 * createHttpServer({ openapi: { securitySchemes: { bearerAuth } } });
 * ```
 */
export type OpenApiSecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; name: string; in: 'query' | 'header' | 'cookie'; description?: string }
  | { type: 'oauth2'; flows: Record<string, unknown>; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string };

/**
 * Global rate limit settings; routes override `max` with `config: { rateLimit: { max } }`.
 *
 * @example
 * ```ts
 * const http = createHttpServer({ rateLimit: { max: 100, timeWindowMs: 60_000 } });
 * app.post('/login', { config: { rateLimit: { max: 5 } } }, login);
 * ```
 */
export interface HttpRateLimitOptions {
  /** Requests per window per key. Default: 600. */
  max?: number;
  /** Window length in ms. Default: 60000. */
  timeWindowMs?: number;
  /** The client key; default: the client IP. May be async (e.g. a verified token's subject). */
  keyGenerator?: (request: FastifyRequest) => string | Promise<string>;
}

// The request id on the raw request, for naming the requests a shutdown cuts.
const REQUEST_ID = Symbol('keel.requestId');
type TaggedRequest = IncomingMessage & { [REQUEST_ID]?: string };

// Never rate limited, never refused by the drain: probes and scrapes must always get through.
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
  readonly ingress = true;
  private readonly dependencies: string[];
  private readonly options: HttpServerOptions;
  private readonly plugins: { plugin: HttpRoutes; prefix: string | undefined }[] = [];
  /** Route guards that authenticate the caller and set `request.principal`. */
  readonly guards: AuthGuards;
  private auth: HttpAuthOptions | undefined;
  private instance: HttpApp | undefined;
  private readonly drain = new ConnectionDrain();

  constructor(options: HttpServerOptions = {}) {
    checkOptions('createHttpServer', httpServerOptionsSchema, options);
    this.options = options;
    this.dependencies = [...(options.dependsOn ?? [])];
    this.auth = options.auth;
    this.guards = authGuards(() => this.auth);
  }

  /**
   * Sets who calls (see {@link HttpAuthOptions}), when it is known only after construction (a
   * feature brings it); once, before start.
   *
   * @example
   * ```ts
   * http.useAuth({ authenticate: verifyBearer, isAdmin: (p) => p.role === 'admin' });
   * ```
   */
  useAuth(auth: HttpAuthOptions): this {
    if (this.instance) throw new UsageError('http.useAuth: authentication must be set before the server starts');
    if (this.auth) throw new UsageError('http.useAuth: authentication is already set');
    if (typeof auth?.authenticate !== 'function') throw new UsageError('http.useAuth: authenticate must be a function');
    this.auth = auth;
    return this;
  }

  /** Whether admin callers can be told apart (`auth.isAdmin` is set). */
  get hasAdmins(): boolean {
    return typeof this.auth?.isAdmin === 'function';
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
    if (this.instance) throw new UsageError('Dependencies must be added before the HTTP server starts');
    for (const name of names) if (!this.dependencies.includes(name)) this.dependencies.push(name);
    return this;
  }

  /**
   * Adds routes; call before the service starts. Each call is its own encapsulated Fastify plugin.
   *
   * @example
   * ```ts
   * http.routes(async (app) => { app.get('/events', listEvents); }, { prefix: '/api/v1' });
   * ```
   */
  routes(plugin: HttpRoutes, options: HttpRoutesOptions = {}): this {
    if (this.instance) throw new UsageError('Routes must be added before the HTTP server starts');
    if (typeof plugin !== 'function') throw new UsageError('http.routes: plugin must be a function');
    const prefix = options.prefix?.replace(/\/+$/, '');
    if (prefix !== undefined && !/^(\/[A-Za-z0-9._~:-]+)+$/.test(prefix))
      throw new UsageError(`http.routes: prefix must be a path such as /api/v1, got "${options.prefix}"`);
    this.plugins.push({ plugin, prefix });
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
    // Fits every id and name Keel stores (names up to 128 characters, job ids up to 200).
    const maxParamLength = 256;
    const allowed = new AllowedMethods({ ignoreTrailingSlash: true, maxParamLength });
    const headers = securityHeaders();
    const app = Fastify({
      loggerInstance: context.logger,
      genReqId: requestIdFor,
      // Keel logs one 'request completed' line itself; Fastify's own request lines are off.
      logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
      bodyLimit: this.options.bodyLimit ?? 1_048_576,
      trustProxy: this.options.trustProxy ?? false,
      routerOptions: { ignoreTrailingSlash: true, maxParamLength },
      serverFactory: (handler, options) => this.drain.createServer(handler, options),
      // The drain closes connections itself, each without a reset.
      return503OnClosing: false,
      forceCloseConnections: false,
      frameworkErrors: (error, request, reply) => {
        reply.headers(headers);
        answerRouterError(error, request, reply);
      },
      clientErrorHandler: answerClientError,
    }).withTypeProvider<ZodTypeProvider>() as unknown as HttpApp;
    this.instance = app;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
    app.addHook('onRoute', (route) => allowed.add(route.method, route.url));
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const methods = allowed.for(path);
      if (methods.length === 0)
        return sendProblem(new NotFoundError(`No route for ${request.method} ${path}`), request, reply);
      reply.header('allow', methods.join(', '));
      const detail = `${request.method} is not allowed on ${path}; it answers ${methods.join(', ')}`;
      return sendProblem(new KeelError('method_not_allowed', detail), request, reply);
    });

    // Hooks in callback style: an async hook costs a promise and a microtask hop on every request.
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(headers);
      reply.header('x-request-id', request.id);
      (request.raw as TaggedRequest)[REQUEST_ID] = String(request.id);
      // A client that connected after the drain began is refused; probes and scrapes still get through.
      if (this.drain.isRefused(request.raw) && !OPERATIONAL.test(request.url)) {
        const error = new UnavailableError('The service is shutting down', { retryAfterSeconds: 5 });
        sendProblem(error, request, reply);
        return;
      }
      request.log.debug({ method: request.method, url: request.url }, 'incoming request');
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
      done();
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
      const keyGenerator = limits.keyGenerator ?? this.auth?.rateLimitKey;
      await app.register(rateLimit, {
        global: true,
        max: limits.max ?? 600,
        timeWindow: limits.timeWindowMs ?? 60_000,
        ...(keyGenerator ? { keyGenerator } : {}),
        allowList: (request) => OPERATIONAL.test(request.url),
        errorResponseBuilder: (_request, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000))),
      });
    }
    if (this.options.docs !== false) {
      await registerApiDocs(app, {
        // Schemes that the authentication describes, under the service's own.
        openapi: {
          ...this.options.openapi,
          securitySchemes: { ...this.auth?.securitySchemes, ...this.options.openapi?.securitySchemes },
        },
        rateLimited: this.options.rateLimit !== false,
        checkResponses: this.options.checkResponses ?? false,
      });
    }
    registerHealthRoutes(app, context);
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(context.metrics.contentType).send(await context.metrics.text()),
    );
    // Slots declared up front keep every request the same shape (cheaper than a WeakMap per request).
    app.decorateRequest(PRINCIPAL, undefined);
    app.decorateRequest(RESOLVING, undefined);
    app.decorateRequest('principal', {
      getter(this: FastifyRequest): Principal {
        const principal = (this as AuthSlots)[PRINCIPAL];
        if (!principal) throw new UnauthorizedError('Authentication is required');
        return principal;
      },
    });
    for (const { plugin, prefix } of this.plugins) await app.register(plugin, prefix ? { prefix } : {});
  }

  async stop(context: StopContext): Promise<void> {
    const app = this.instance;
    if (!app) return;
    const cut = (): void => this.drain.destroyAll();
    context.signal.addEventListener('abort', cut, { once: true });
    try {
      await this.drain.drain(context.signal, (message) =>
        context.logger.info(
          { inFlight: this.drain.unanswered().length, connections: this.drain.connectionCount },
          message,
        ),
      );
      for (const request of this.drain.unanswered()) {
        const id = (request as TaggedRequest)[REQUEST_ID] ?? 'without an id';
        context.reportAbandoned(`HTTP request ${request.method} ${request.url} (request ${id})`);
      }
      if (context.signal.aborted) cut();
      // Stops listening; lingering connections end when their clients close or linger out.
      await app.close();
    } finally {
      context.signal.removeEventListener('abort', cut);
    }
  }
}

const httpServerOptionsSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65_535).optional(),
    bodyLimit: option.count().optional(),
    corsOrigins: z.array(z.string().min(1)).optional(),
    rateLimit: z
      .union([
        z.literal(false),
        z.object({
          max: option.count().optional(),
          timeWindowMs: option.positiveDurationMs().optional(),
          keyGenerator: option.fn().optional(),
        }),
      ])
      .optional(),
    openapi: z.object({ title: z.string().optional(), version: z.string().optional() }).loose().optional(),
    docs: z.boolean().optional(),
    checkResponses: z.boolean().optional(),
    trustProxy: z.union([z.boolean(), z.string(), z.array(z.string())]).optional(),
    dependsOn: z.array(z.string()).optional(),
    auth: z
      .object({ authenticate: option.fn(), isAdmin: option.fn().optional(), rateLimitKey: option.fn().optional() })
      .optional(),
  })
  .refine((o) => !o.checkResponses || o.docs !== false, {
    message: 'checkResponses needs docs',
    path: ['checkResponses'],
  });

// The principal of each authenticated request: `request.principal` reads it.
const PRINCIPAL = Symbol('keel.principal');
// A request's authentication runs once, whichever guard asks first.
const RESOLVING = Symbol('keel.resolving');
type AuthSlots = FastifyRequest & { [PRINCIPAL]?: Principal; [RESOLVING]?: Promise<Principal | null> };

function authGuards(current: () => HttpAuthOptions | undefined): AuthGuards {
  const resolve = (request: FastifyRequest, reply: FastifyReply): Promise<Principal | null> => {
    const slots = request as AuthSlots;
    let pending = slots[RESOLVING];
    if (!pending) {
      const auth = current();
      pending = auth ? auth.authenticate(request, reply) : Promise.resolve(null);
      slots[RESOLVING] = pending;
    }
    return pending;
  };
  const authenticated = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await resolve(request, reply);
    if (!principal) {
      if (!reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer');
      throw new UnauthorizedError('Authentication is required');
    }
    (request as AuthSlots)[PRINCIPAL] = principal;
  };
  const admin = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await authenticated(request, reply);
    if (!current()?.isAdmin?.(request.principal)) throw new ForbiddenError('This needs an admin');
  };
  return { authenticated, admin };
}

/**
 * Creates the {@link HttpServer} component.
 *
 * @example
 * ```ts
 * const http = createHttpServer({ port: 8080, dependsOn: ['store'] });
 * service.add(http.routes(eventRoutes, { prefix: '/api/v1' }));
 * ```
 */
export function createHttpServer(options?: HttpServerOptions): HttpServer {
  return new HttpServer(options);
}
