import type { ErrorCode } from './codes.js';
import { KeelError, type KeelErrorOptions } from './keel-error.js';

/**
 * Where a bad field came from: the request's `body`, `query`, `params` or `headers`, the
 * environment (`env`), or a job's `payload`.
 *
 * @example
 * ```ts
 * const location: FieldLocation = 'query';
 * ```
 */
export type FieldLocation = 'body' | 'query' | 'params' | 'headers' | 'env' | 'payload';

/**
 * One bad field of a {@link ValidationError}.
 *
 * @example
 * ```ts
 * const field: FieldError = { location: 'body', path: 'email', message: 'must be an email' };
 * ```
 */
export interface FieldError {
  /** Where the field came from. */
  location: FieldLocation;
  /** Dotted path of the field inside its location, `""` for the whole value. */
  path: string;
  /** What is wrong with it, safe to show to the client. */
  message: string;
}

/**
 * Client input did not match its schema: 400. Lists every bad field. Only for what a client sent
 * (or a job payload); a bad option or argument from the service's own code is a {@link UsageError}.
 *
 * @example
 * ```ts
 * throw new ValidationError([{ location: 'body', path: 'endsAt', message: 'must be after startsAt' }]);
 * ```
 */
export class ValidationError extends KeelError {
  readonly errors: FieldError[];
  constructor(errors: FieldError[], message?: string, options: KeelErrorOptions = {}) {
    super('validation', message ?? summarize(errors), {
      ...options,
      extensions: { ...options.extensions, errors },
    });
    this.errors = errors;
  }
}

function summarize(errors: FieldError[]): string {
  if (errors.length === 0) return 'The input is invalid';
  return errors.map((e) => `${[e.location, e.path].filter(Boolean).join('.')}: ${e.message}`).join('; ');
}

/**
 * The thing asked for does not exist (or the caller may not know it exists): 404.
 *
 * @example
 * ```ts
 * if (!event) throw new NotFoundError(`No event ${id}`);
 * ```
 */
export class NotFoundError extends KeelError {
  constructor(message = 'The resource was not found', options?: KeelErrorOptions) {
    super('not_found', message, options);
  }
}

/**
 * The request conflicts with the current state (a taken email, a duplicate key): 409.
 *
 * @example
 * ```ts
 * throw new ConflictError('This email is already registered');
 * ```
 */
export class ConflictError extends KeelError {
  constructor(message = 'The request conflicts with the current state', options?: KeelErrorOptions) {
    super('conflict', message, options);
  }
}

/**
 * Credentials are missing or invalid: 401.
 *
 * @example
 * ```ts
 * if (!token) throw new UnauthorizedError();
 * ```
 */
export class UnauthorizedError extends KeelError {
  constructor(message = 'Authentication is required', options?: KeelErrorOptions) {
    super('unauthorized', message, options);
  }
}

/**
 * The caller is known but may not do this: 403.
 *
 * @example
 * ```ts
 * if (event.ownerId !== user.id) throw new ForbiddenError('Only the owner may cancel the event');
 * ```
 */
export class ForbiddenError extends KeelError {
  constructor(message = 'You may not do this', options?: KeelErrorOptions) {
    super('forbidden', message, options);
  }
}

/**
 * Too many requests: 429; `retryAfterSeconds` says when to come back (sent as `Retry-After` and in
 * the body).
 *
 * @example
 * ```ts
 * throw new RateLimitedError(30, 'Only 5 invitations per minute');
 * ```
 */
export class RateLimitedError extends KeelError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests, slow down', options: KeelErrorOptions = {}) {
    super('rate_limited', message, { ...options, extensions: { ...options.extensions, retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Options of {@link UnavailableError}.
 *
 * @example
 * ```ts
 * const options: UnavailableErrorOptions = { retryAfterSeconds: 5, cause: error };
 * ```
 */
export interface UnavailableErrorOptions extends KeelErrorOptions {
  /** When to try again, sent as `Retry-After` and as the body's `retryAfterSeconds`. Default: 1. */
  retryAfterSeconds?: number;
}

/**
 * A dependency or the service itself cannot serve now (shutting down, database down); the client
 * may retry after `retryAfterSeconds`.
 *
 * @example
 * ```ts
 * throw new UnavailableError('The database is restarting', { retryAfterSeconds: 2, cause: error });
 * ```
 */
export class UnavailableError extends KeelError {
  readonly retryAfterSeconds: number;
  constructor(message = 'The service is unavailable', options: UnavailableErrorOptions = {}) {
    const { retryAfterSeconds = 1, ...rest } = options;
    super('unavailable', message, { ...rest, extensions: { ...rest.extensions, retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * An operation ran past its time limit: 504.
 *
 * @example
 * ```ts
 * throw new TimeoutError('The report took longer than 30 s');
 * ```
 */
export class TimeoutError extends KeelError {
  constructor(message = 'The operation timed out', options?: KeelErrorOptions) {
    super('timeout', message, options);
  }
}

/**
 * A call to another service failed: 502, or the more precise code a subclass gives (keel/http-client's
 * `HttpClientError` also answers `external_service_unavailable`, 503, and `external_service_timeout`, 504).
 *
 * @example
 * ```ts
 * throw new ExternalServiceError('The mail provider refused the message', { cause: error });
 * ```
 */
export class ExternalServiceError extends KeelError {
  constructor(
    message = 'An external service failed',
    options?: KeelErrorOptions,
    code: ErrorCode = 'external_service',
  ) {
    super(code, message, options);
  }
}

/**
 * The configuration is invalid (the environment does not satisfy the config schema, or a
 * config-level refusal): 500; `problems` lists every one.
 *
 * @example
 * ```ts
 * throw new ConfigError(['PORT: must be a number', 'DATABASE_URL: must be a postgres:// URL']);
 * ```
 */
export class ConfigError extends KeelError {
  readonly problems: string[];
  constructor(problems: string[], options?: KeelErrorOptions) {
    super('config', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * The service's own code used Keel wrongly: bad options, a bad argument, a call at the wrong
 * time. A bug, not the client's fault: code `usage`, it answers 500 with a generic detail
 * (`exposeMessage` is false), and the message is logged in full.
 *
 * @example
 * ```ts
 * throw new UsageError('createJobQueue: concurrency must be a positive integer');
 * ```
 */
export class UsageError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('usage', message, options);
  }
}
