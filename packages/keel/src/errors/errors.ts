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
  location: FieldLocation;
  /** Dotted path of the field inside its location, `""` for the whole value. */
  path: string;
  message: string;
}

/**
 * Input did not match its schema. Lists every bad field.
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

/** The thing asked for does not exist (or the caller may not know it exists). */
export class NotFoundError extends KeelError {
  constructor(message = 'The resource was not found', options?: KeelErrorOptions) {
    super('not_found', message, options);
  }
}

/** The request conflicts with the current state (a taken email, a duplicate key). */
export class ConflictError extends KeelError {
  constructor(message = 'The request conflicts with the current state', options?: KeelErrorOptions) {
    super('conflict', message, options);
  }
}

/** Credentials are missing or invalid. */
export class UnauthorizedError extends KeelError {
  constructor(message = 'Authentication is required', options?: KeelErrorOptions) {
    super('unauthorized', message, options);
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends KeelError {
  constructor(message = 'You may not do this', options?: KeelErrorOptions) {
    super('forbidden', message, options);
  }
}

/** Too many requests; `retryAfterSeconds` says when to come back. */
export class RateLimitedError extends KeelError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests, slow down', options: KeelErrorOptions = {}) {
    super('rate_limited', message, { ...options, extensions: { ...options.extensions, retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Options of {@link UnavailableError}. */
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

/** An operation ran past its time limit. */
export class TimeoutError extends KeelError {
  constructor(message = 'The operation timed out', options?: KeelErrorOptions) {
    super('timeout', message, options);
  }
}

/** A call to another service failed. */
export class ExternalServiceError extends KeelError {
  constructor(message = 'An external service failed', options?: KeelErrorOptions) {
    super('external_service', message, options);
  }
}

/** The environment does not satisfy the config schema; `problems` lists every one. */
export class ConfigError extends KeelError {
  readonly problems: string[];
  constructor(problems: string[], options?: KeelErrorOptions) {
    super('config', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}

/**
 * The service's own code used Keel wrongly: bad options, a bad argument, a call at the wrong
 * time. A bug, not the client's fault: it answers 500 with no detail, and the message is logged.
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
