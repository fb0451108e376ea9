import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Printable, header-safe and short enough to log: anything else is replaced, never trusted.
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/** The incoming `X-Request-Id` when well-formed, a new UUID otherwise. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID();
}
