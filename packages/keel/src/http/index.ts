/**
 * `keel/http`: the HTTP server component (Fastify) with Keel's production defaults.
 * @module
 */

/** Fastify's request and reply, for route guards and handlers written outside a route literal. */
export type { FastifyReply as HttpReply, FastifyRequest as HttpRequest } from 'fastify';
export {
  type AdminGuard,
  type AdminRouteAlias,
  type AdminRoutesDefinition,
  type AdminRoutesOptions,
  defineAdminRoutes,
} from './admin-routes.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export {
  createHttpServer,
  type HttpApp,
  type HttpOpenApiOptions,
  type HttpRateLimitOptions,
  type HttpRoutes,
  type HttpRoutesOptions,
  HttpServer,
  type HttpServerOptions,
  type OpenApiSecurityScheme,
} from './http-server.js';
export type { AuthGuards, HttpAuthOptions, Principal } from './principal.js';
export { type ProblemDetails, sendProblem } from './problem.js';
export { type ProblemStatus, problemSchema } from './problem-responses.js';
