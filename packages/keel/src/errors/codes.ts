/**
 * The codes a {@link KeelError} can carry. Open: a capability or an application adds its own with
 * {@link defineErrorCode} and types them by augmenting this interface.
 *
 * @example
 * ```ts
 * declare module 'keel/errors' {
 *   interface ErrorCodes { event_full: true }
 * }
 * defineErrorCode('event_full', { status: 409, title: 'The event is full' });
 * ```
 */
export interface ErrorCodes {
  validation: true;
  bad_request: true;
  unauthorized: true;
  forbidden: true;
  not_found: true;
  method_not_allowed: true;
  request_timeout: true;
  conflict: true;
  payload_too_large: true;
  uri_too_long: true;
  unsupported_media_type: true;
  rate_limited: true;
  headers_too_large: true;
  internal: true;
  usage: true;
  external_service: true;
  unavailable: true;
  timeout: true;
  config: true;
}

/**
 * A stable error code: one of {@link ErrorCodes}.
 *
 * @example
 * ```ts
 * const code: ErrorCode = 'conflict';
 * ```
 */
export type ErrorCode = keyof ErrorCodes & string;

/**
 * What a code means on the wire.
 *
 * @example
 * ```ts
 * const definition: ErrorCodeDefinition = { status: 409, title: 'The event is full' };
 * ```
 */
export interface ErrorCodeDefinition {
  /** The HTTP status it answers with, 400 to 599. */
  status: number;
  /** The problem's `title`: short, the same for every error of the code. */
  title: string;
  /**
   * Whether the error's message is sent as the problem's `detail`. Default: `true`; codes whose
   * messages hold internals (`internal`, `usage`) send a generic detail and log the message.
   */
  exposeMessage?: boolean;
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/;
const registry = new Map<string, Required<ErrorCodeDefinition>>();

/**
 * Registers an error code, next to the code that throws it. Codes never change once published:
 * clients branch on them. Registering a code again with the same meaning is a no-op; with another
 * meaning it throws.
 *
 * @example
 * ```ts
 * export const EVENT_FULL = defineErrorCode('event_full', { status: 409, title: 'The event is full' });
 * throw new KeelError(EVENT_FULL, 'All 20 seats are taken');
 * ```
 */
export function defineErrorCode<C extends ErrorCode>(code: C, definition: ErrorCodeDefinition): C {
  const status = definition?.status;
  if (typeof code !== 'string' || !CODE.test(code))
    throw new TypeError(`An error code must be 1-64 lowercase letters, digits or _, got ${JSON.stringify(code)}`);
  if (!Number.isInteger(status) || status < 400 || status > 599)
    throw new TypeError(`Error code "${code}" needs an HTTP status from 400 to 599, got ${String(status)}`);
  if (typeof definition.title !== 'string' || definition.title.length === 0)
    throw new TypeError(`Error code "${code}" needs a title`);
  const resolved = { status, title: definition.title, exposeMessage: definition.exposeMessage ?? true };
  const known = registry.get(code);
  if (known && (known.status !== resolved.status || known.title !== resolved.title))
    throw new TypeError(`Error code "${code}" is already defined as ${known.status} "${known.title}"`);
  registry.set(code, resolved);
  return code;
}

/**
 * A registered code's definition, or `undefined` for a code nobody defined.
 *
 * @example
 * ```ts
 * errorCodeDefinition('not_found'); // { status: 404, title: 'Not found', exposeMessage: true }
 * ```
 */
export function errorCodeDefinition(code: string): Required<ErrorCodeDefinition> | undefined {
  return registry.get(code);
}

/**
 * Every registered code, in registration order (for documentation and client generators).
 *
 * @example
 * ```ts
 * for (const [code, { status }] of registeredErrorCodes()) console.log(code, status);
 * ```
 */
export function registeredErrorCodes(): ReadonlyMap<string, Required<ErrorCodeDefinition>> {
  return registry;
}

/**
 * The RFC 9457 `type` URI of a code.
 *
 * @example
 * ```ts
 * problemType('not_found'); // 'urn:keel:problem:not_found'
 * ```
 */
export function problemType(code: ErrorCode): string {
  return `urn:keel:problem:${code}`;
}

const builtIn: Record<keyof ErrorCodes, ErrorCodeDefinition> = {
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
  internal: { status: 500, title: 'Internal server error', exposeMessage: false },
  // Library misuse (bad options, bad arguments from the service's own code): a bug, never the client's fault.
  usage: { status: 500, title: 'Internal server error', exposeMessage: false },
  external_service: { status: 502, title: 'External service failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
  timeout: { status: 504, title: 'Timed out' },
  config: { status: 500, title: 'Invalid configuration' },
};
for (const [code, definition] of Object.entries(builtIn)) defineErrorCode(code as ErrorCode, definition);
