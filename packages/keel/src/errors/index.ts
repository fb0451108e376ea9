/**
 * `keel/errors`: one error hierarchy with stable codes, mapped to RFC 9457 problem+json over HTTP.
 *
 * The registry of codes is open: define a code next to the code that throws it with
 * {@link defineErrorCode}, and type it by augmenting {@link ErrorCodes}.
 *
 * @example
 * ```ts
 * import { defineErrorCode, KeelError, NotFoundError } from 'keel/errors';
 *
 * declare module 'keel/errors' {
 *   interface ErrorCodes { event_full: true }
 * }
 * const EVENT_FULL = defineErrorCode('event_full', { status: 409, title: 'The event is full' });
 * if (!event) throw new NotFoundError();
 * if (event.seatsLeft === 0) throw new KeelError(EVENT_FULL, 'All 20 seats are taken');
 * ```
 * @module
 */
export {
  type ErrorCode,
  type ErrorCodeDefinition,
  type ErrorCodes,
  problemType,
  registeredErrorCodes,
} from './codes.js';
export { defineErrorCode } from './define-error-code.js';
export {
  ConfigError,
  ConflictError,
  ExternalServiceError,
  type FieldError,
  type FieldLocation,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  type UnavailableErrorOptions,
  UsageError,
  ValidationError,
} from './errors.js';
export { isKeelError, KeelError, type KeelErrorOptions } from './keel-error.js';
export { zodIssuesToFieldErrors } from './zod.js';
