import { STATUS_CODES } from 'node:http';
import type { RouteOptions } from 'fastify';

/**
 * A problem status a route may add to the ones Keel declares for it (`schema.problems`).
 *
 * @example
 * ```ts
 * const problems: ProblemStatus[] = [404, 409];
 * app.post('/bookings', { schema: { body: bookingSchema, problems } }, book);
 * ```
 */
export type ProblemStatus =
  | 400
  | 401
  | 403
  | 404
  | 405
  | 408
  | 409
  | 410
  | 413
  | 414
  | 415
  | 429
  | 431
  | 500
  | 502
  | 503
  | 504;

declare module 'fastify' {
  interface FastifySchema {
    /**
     * Problem+json answers this route gives beyond the ones Keel declares from what it is (400 with a
     * schema, 401/403 with `security`, 404 with a path parameter, 429 when rate limited, 500, 503).
     *
     * @example
     * ```ts
     * app.post('/users', { schema: { body: userSchema, problems: [409] } }, register);
     * ```
     */
    problems?: ProblemStatus[];
  }
}

/** The name of the shared problem+json schema in `components.schemas`. */
export const PROBLEM_SCHEMA = 'Problem';

/**
 * JSON Schema (2020-12) of an RFC 9457 problem as Keel sends it.
 *
 * @example
 * ```ts
 * const { body } = await test.inject('POST', '/api/notes', { body: {} });
 * for (const field of problemSchema.required) expect(body).toHaveProperty(field);
 * ```
 */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'instance', 'requestId'],
  properties: {
    type: { type: 'string', description: 'urn:keel:problem:<code>; clients branch on it' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Every bad field of a validation problem',
      items: {
        type: 'object',
        required: ['location', 'path', 'message'],
        properties: { location: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    retryAfterSeconds: { type: 'integer', minimum: 0 },
  },
} as const;

/** What decides the problems of a route besides its own schema. */
export interface ProblemContext {
  /** The global rate limit is on. */
  rateLimited: boolean;
}

type RouteSchema = NonNullable<RouteOptions['schema']> & Record<string, unknown>;

/** The problem statuses a route can answer, from what it is. */
export function problemStatuses(
  route: Pick<RouteOptions, 'url' | 'schema' | 'config'>,
  context: ProblemContext,
): number[] {
  const schema = (route.schema ?? {}) as RouteSchema;
  const statuses = new Set<number>([500, 503]);
  if (schema.body || schema.querystring || schema.params || schema.headers) statuses.add(400);
  // A body can be malformed, of another media type or too large before its schema is even read.
  if (schema.body) for (const status of [400, 413, 415]) statuses.add(status);
  if (Array.isArray(schema.security) && schema.security.length > 0)
    for (const status of [401, 403]) statuses.add(status);
  if (/[:*]/.test(route.url)) statuses.add(404);
  const routeLimit = (route.config as { rateLimit?: unknown } | undefined)?.rateLimit;
  if (context.rateLimited && routeLimit !== false) statuses.add(429);
  for (const status of schema.problems ?? []) statuses.add(status);
  return [...statuses].sort((a, b) => a - b);
}

/** The OpenAPI response objects of those statuses, each pointing at the shared problem schema. */
export function problemResponseObjects(statuses: number[]): Record<string, unknown> {
  const retryAfter = { 'retry-after': { description: 'Seconds to wait before retrying', type: 'integer', minimum: 0 } };
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: STATUS_CODES[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } },
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
      },
    ]),
  );
}
