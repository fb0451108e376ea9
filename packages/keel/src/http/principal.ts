import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OpenApiSecurityScheme } from './http-server.js';

/**
 * The authenticated caller, as the service's `authenticate` returns it. Empty here: a service
 * types it by augmentation, once.
 *
 * @example
 * ```ts
 * declare module 'keel/http' {
 *   interface Principal { id: string; email: string; role: 'admin' | 'user' }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each service through declaration merging.
export interface Principal {}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller, after the route's `authenticated` or `admin` guard; reading it on a request no
     * guard authenticated throws an `UnauthorizedError` (401).
     */
    readonly principal: Principal;
  }
}

/**
 * How the HTTP server learns who calls.
 *
 * @example
 * ```ts
 * const auth: HttpAuthOptions = {
 *   authenticate: async (request) => (await tokens.verify(request.headers.authorization)) ?? null,
 *   isAdmin: (principal) => principal.role === 'admin',
 * };
 * ```
 */
export interface HttpAuthOptions {
  /**
   * Resolves the caller: `null` when the request carries no credentials; throw an
   * `UnauthorizedError` for credentials that are wrong. Called once per request, by the first
   * guard that needs it.
   */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<Principal | null>;
  /** Whether a caller may use the admin routes. Default: nobody may. */
  isAdmin?: (principal: Principal) => boolean;
  /**
   * The rate limit's client key, e.g. the verified token's subject, so users behind one address
   * get their own budget. Default: the client IP.
   */
  rateLimitKey?: (request: FastifyRequest) => string | Promise<string>;
  /**
   * How the OpenAPI document describes these credentials, by the names routes give in
   * `schema.security`; the service's own `openapi.securitySchemes` win on a clash. Default: none.
   */
  securitySchemes?: Record<string, OpenApiSecurityScheme>;
}

/**
 * Route guards (Fastify `onRequest` hooks) that set `request.principal`.
 *
 * @example
 * ```ts
 * app.get('/me', { onRequest: guards.authenticated }, async (request) => request.principal);
 * ```
 */
export interface AuthGuards {
  /** A caller with valid credentials, else 401 (with `WWW-Authenticate`). */
  authenticated: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** An admin, else 401 or 403. */
  admin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
