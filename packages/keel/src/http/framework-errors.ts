import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, KeelError, problemType } from '../errors/index.js';
import { closeLingering } from './lingering-close.js';
import { sendProblem } from './problem.js';

const routerErrors: Record<string, { code: ErrorCode; detail: string }> = {
  FST_ERR_BAD_URL: { code: 'bad_request', detail: 'The URL is not validly percent-encoded' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', detail: 'A path parameter is longer than the server accepts' },
};

/** Fastify's `frameworkErrors`: router errors (bad URL encoding, over-long parameters) as problem+json. */
export function answerRouterError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = routerErrors[error.code];
  const keelError = known
    ? new KeelError(known.code, known.detail, { cause: error })
    : new KeelError('internal', 'An unexpected error occurred', { cause: error });
  reply.header('x-request-id', request.id);
  sendProblem(keelError, request, reply);
}

const clientErrors: Record<string, ErrorCode> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser rejects (headers too large, a timeout,
 * malformed bytes) gets a problem+json answer, then the connection closes without a reset.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The parser reports every later chunk of the same connection again; one answer is enough.
  if (answered.has(socket)) return;
  answered.add(socket);
  const code = clientErrors[error.code ?? ''] ?? 'bad_request';
  const { status, title } = new KeelError(code, '');
  const requestId = randomUUID();
  const body = JSON.stringify({
    type: problemType(code),
    title,
    status,
    detail: code === 'bad_request' ? 'The request could not be parsed' : title,
    instance: `urn:keel:request:${requestId}`,
    requestId,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  closeLingering(socket);
}

const answered = new WeakSet<Socket>();
