/**
 * The registry of every stable error code Keel answers with, its HTTP status and its title.
 * Codes never change once published: clients branch on them.
 */
export const errorCodes = {
  validation: { status: 400, title: 'Validation failed' },
  bad_request: { status: 400, title: 'Malformed request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  external_service: { status: 502, title: 'External service failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
  timeout: { status: 504, title: 'Timed out' },
  config: { status: 500, title: 'Invalid configuration' },
  backup_failed: { status: 500, title: 'Backup failed' },
  backup_corrupt: { status: 500, title: 'Backup failed verification' },
  backup_tool_missing: { status: 500, title: 'A backup tool is missing or too old' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable error code, one of {@link errorCodes}. */
export type ErrorCode = keyof typeof errorCodes;

/** The RFC 9457 `type` URI of a code. */
export function problemType(code: ErrorCode): string {
  return `urn:keel:problem:${code}`;
}
