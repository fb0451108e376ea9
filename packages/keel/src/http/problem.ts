import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  type ErrorCode,
  type FieldError,
  isKeelError,
  KeelError,
  problemType,
  ValidationError,
} from '../errors/index.js';

/**
 * An RFC 9457 problem details body as Keel sends it.
 *
 * @example
 * ```ts
 * const { problem } = await test.inject('GET', '/api/events/missing');
 * expect(problem).toMatchObject<Partial<ProblemDetails>>({ type: 'urn:keel:problem:not_found', status: 404 });
 * ```
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

const statusCodes: Record<number, ErrorCode> = {
  400: 'validation',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
  504: 'timeout',
};

/**
 * Turns anything thrown into a {@link KeelError}. Fastify's own client errors keep their status;
 * anything else becomes `internal` with no detail from the original (it is logged, never shown).
 */
export function toKeelError(error: unknown): KeelError {
  if (isKeelError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext ?? 'body';
    // Fastify says `querystring`; FieldError's documented location is `query`.
    const location = context === 'querystring' ? 'query' : context;
    const fields: FieldError[] = error.validation.map((issue) => ({
      location,
      path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: issue.message ?? 'is invalid',
    }));
    return new ValidationError(fields, undefined, { cause: error });
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A body that cannot be parsed at all is malformed, not a field that failed its schema.
    if (status === 400 && fastifyError.code?.startsWith('FST_ERR_CTP_')) {
      return new KeelError('bad_request', fastifyError.message ?? 'The body could not be parsed', { cause: error });
    }
    const code = statusCodes[status] ?? 'validation';
    if (code === 'validation') {
      return new ValidationError(
        [{ location: 'body', path: '', message: fastifyError.message ?? 'is invalid' }],
        undefined,
        {
          cause: error,
        },
      );
    }
    return new KeelError(code, fastifyError.message ?? 'The request was refused', { cause: error });
  }
  return new KeelError('internal', 'An unexpected error occurred', { cause: error });
}

/** The problem+json body for an error. */
export function problemBody(error: KeelError, request: FastifyRequest): ProblemDetails {
  // Extensions first: an extension named `status` or `type` must not contradict the response.
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.exposeMessage ? error.message : 'An unexpected error occurred',
    instance: request.url,
    requestId: String(request.id),
  };
}

/**
 * Sends an error as `application/problem+json`, logging server errors in full.
 *
 * @example
 * ```ts
 * app.addHook('onRequest', async (request, reply) => {
 *   if (maintenance) return sendProblem(new UnavailableError('Down for maintenance'), request, reply);
 * });
 * ```
 */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const keelError = toKeelError(error);
  // Outages are counted and logged once per burst where they happen, not once per request.
  if (keelError.code === 'timeout') request.log.warn({ err: error }, 'request timed out');
  else if (keelError.status >= 500 && keelError.code !== 'unavailable')
    request.log.error({ err: error }, 'request failed');
  else request.log.debug({ err: error }, 'request refused');
  const retryAfter = keelError.extensions.retryAfterSeconds;
  if (typeof retryAfter === 'number' && !reply.hasHeader('retry-after'))
    reply.header('retry-after', String(retryAfter));
  return reply.status(keelError.status).type('application/problem+json').send(problemBody(keelError, request));
}
