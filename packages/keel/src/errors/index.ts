/**
 * `keel/errors`: one error hierarchy with stable codes, mapped to RFC 9457 problem+json over HTTP.
 * @module
 */
export {
  defineErrorCode,
  type ErrorCode,
  type ErrorCodeDefinition,
  type ErrorCodes,
  errorCodeDefinition,
  problemType,
  registeredErrorCodes,
} from './codes.js';
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
