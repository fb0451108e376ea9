/**
 * `keel/http`: the HTTP server component (Fastify) with Keel's production defaults.
 * @module
 */
export {
  createHttpServer,
  type HttpApp,
  type HttpRateLimitOptions,
  type HttpRoutes,
  HttpServer,
  type HttpServerOptions,
} from './http-server.js';
export { type ProblemDetails, problemBody, sendProblem, toKeelError } from './problem.js';
export { requestIdFor } from './request-id.js';
