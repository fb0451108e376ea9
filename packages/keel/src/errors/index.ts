/**
 * `keel/errors`: one error hierarchy with stable codes, mapped to RFC 9457 problem+json over HTTP.
 * @module
 */
export { errorCodes, problemType, type ErrorCode } from './codes.js';
export { KeelError, isKeelError, type KeelErrorOptions } from './keel-error.js';
export {
  ValidationError,
  NotFoundError,
  ConflictError,
  UnauthorizedError,
  ForbiddenError,
  RateLimitedError,
  UnavailableError,
  TimeoutError,
  ExternalServiceError,
  ConfigError,
  type FieldError,
} from './errors.js';
export { zodIssuesToFieldErrors } from './zod.js';
