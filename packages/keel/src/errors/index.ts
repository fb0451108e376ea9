/**
 * `keel/errors`: one error hierarchy with stable codes, mapped to RFC 9457 problem+json over HTTP.
 * @module
 */
export { type ErrorCode, errorCodes, problemType } from './codes.js';
export {
  ConfigError,
  ConflictError,
  ExternalServiceError,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  type UnavailableErrorOptions,
  ValidationError,
} from './errors.js';
export { isKeelError, KeelError, type KeelErrorOptions } from './keel-error.js';
export { zodIssuesToFieldErrors } from './zod.js';
