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

/** A registered code's definition, defaults applied; frozen, shared by every error of the code. */
export type ResolvedErrorCode = Readonly<Required<ErrorCodeDefinition>>;

/** The shape of a code: what {@link defineErrorCode} accepts and what {@link isKeelError} recognises. */
export const CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

const registry = new Map<string, ResolvedErrorCode>();

/**
 * Checks a definition and registers it: returns a problem (the code is left alone) or `undefined`
 * once registered. Internal: the public {@link defineErrorCode} turns a problem into a UsageError.
 */
export function registerErrorCode(code: unknown, definition: ErrorCodeDefinition | undefined): string | undefined {
  if (typeof code !== 'string' || !CODE_PATTERN.test(code))
    return `an error code must be 1-64 lowercase letters, digits or _, starting with a letter, got ${JSON.stringify(code)}`;
  const status = definition?.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)
    return `error code "${code}" needs an HTTP status from 400 to 599, got ${String(status)}`;
  if (typeof definition?.title !== 'string' || definition.title.trim().length === 0)
    return `error code "${code}" needs a title`;
  if (definition.exposeMessage !== undefined && typeof definition.exposeMessage !== 'boolean')
    return `error code "${code}": exposeMessage must be true or false`;
  const resolved: ResolvedErrorCode = Object.freeze({
    status,
    title: definition.title,
    exposeMessage: definition.exposeMessage ?? true,
  });
  const known = registry.get(code);
  if (known === undefined) {
    registry.set(code, resolved);
    return undefined;
  }
  // Clients branch on a code: once defined, its meaning (exposure included) never changes.
  if (
    known.status !== resolved.status ||
    known.title !== resolved.title ||
    known.exposeMessage !== resolved.exposeMessage
  )
    return `error code "${code}" is already defined as ${describe(known)}, not ${describe(resolved)}`;
  return undefined;
}

function describe(definition: ResolvedErrorCode): string {
  return `${definition.status} "${definition.title}"${definition.exposeMessage ? '' : ' (message hidden)'}`;
}

/** A registered code's definition, or `undefined` for a code nobody defined. Internal. */
export function errorCodeDefinition(code: string): ResolvedErrorCode | undefined {
  return registry.get(code);
}

/**
 * Every registered code and what it means, in registration order (for documentation and client
 * generators). A snapshot: later definitions do not appear in it, and changing it changes nothing.
 *
 * @example
 * ```ts
 * for (const [code, { status, title }] of registeredErrorCodes()) console.log(code, status, title);
 * ```
 */
export function registeredErrorCodes(): ReadonlyMap<string, Readonly<Required<ErrorCodeDefinition>>> {
  return new Map(registry);
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

// Keel's own codes. Not a `Record<ErrorCode, ...>`: every augmentation of ErrorCodes (a
// capability's, an application's) would then be demanded here.
const builtIn = {
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
} satisfies Partial<Record<ErrorCode, ErrorCodeDefinition>>;
for (const [code, definition] of Object.entries(builtIn)) {
  const problem = registerErrorCode(code, definition);
  if (problem !== undefined) throw new Error(`keel/errors: ${problem}`);
}
