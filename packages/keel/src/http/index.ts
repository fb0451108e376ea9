/**
 * `keel/http`: the HTTP server component (Fastify) with Keel's production defaults.
 * @module
 */
export { HttpServer, createHttpServer, type HttpApp, type HttpRoutes, type HttpServerOptions, type HttpRateLimitOptions } from './http-server.js';
export { sendProblem, toKeelError, problemBody, type ProblemDetails } from './problem.js';
export { requestIdFor } from './request-id.js';
