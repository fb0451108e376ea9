/**
 * `keel/http`: the HTTP server component (Fastify) with Keel's production defaults.
 * @module
 */

/** Fastify's request and reply, for route guards and handlers written outside a route literal. */
export type { FastifyReply as HttpReply, FastifyRequest as HttpRequest } from 'fastify';
export {
  createHttpServer,
  type HttpApp,
  type HttpOpenApiOptions,
  type HttpRateLimitOptions,
  type HttpRoutes,
  HttpServer,
  type HttpServerOptions,
  type OpenApiSecurityScheme,
} from './http-server.js';
export { type ProblemDetails, problemBody, sendProblem, toKeelError } from './problem.js';
export { type ProblemStatus, problemSchema } from './problem-responses.js';
export { requestIdFor } from './request-id.js';
