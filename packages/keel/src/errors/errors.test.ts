import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  ConflictError,
  ExternalServiceError,
  ForbiddenError,
  isKeelError,
  KeelError,
  NotFoundError,
  problemType,
  RateLimitedError,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  zodIssuesToFieldErrors,
} from './index.js';

describe('KeelError hierarchy', () => {
  it.each([
    [new ValidationError([]), 'validation', 400],
    [new UnauthorizedError(), 'unauthorized', 401],
    [new ForbiddenError(), 'forbidden', 403],
    [new NotFoundError(), 'not_found', 404],
    [new ConflictError(), 'conflict', 409],
    [new RateLimitedError(3), 'rate_limited', 429],
    [new ExternalServiceError(), 'external_service', 502],
    [new UnavailableError(), 'unavailable', 503],
    [new TimeoutError(), 'timeout', 504],
    [new ConfigError(['X: bad']), 'config', 500],
  ])('%s has a stable code and status', (error, code, status) => {
    expect(error).toBeInstanceOf(KeelError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.name).toBe(error.constructor.name);
    expect(isKeelError(error)).toBe(true);
  });

  it('keeps the cause for logs and extensions for clients', () => {
    const cause = new Error('socket hang up');
    const error = new ExternalServiceError('Mail failed', { cause, extensions: { provider: 'smtp' } });
    expect(error.cause).toBe(cause);
    expect(error.extensions).toEqual({ provider: 'smtp' });
    expect(problemType('not_found')).toBe('urn:keel:problem:not_found');
  });

  it('lists every bad field of a validation error', () => {
    const error = new ValidationError([
      { location: 'body', path: 'email', message: 'is invalid' },
      { location: 'query', path: 'page', message: 'must be positive' },
    ]);
    expect(error.message).toBe('body.email: is invalid; query.page: must be positive');
    expect(error.extensions.errors).toHaveLength(2);
    expect(new RateLimitedError(7).extensions).toEqual({ retryAfterSeconds: 7 });
    expect(new ConfigError(['A: x', 'B: y']).message).toBe('Invalid configuration:\n  - A: x\n  - B: y');
  });

  it('recognises copies across module instances but not look-alikes', () => {
    const copy = Object.assign(new Error('x'), { code: 'conflict', status: 409 });
    expect(isKeelError(copy)).toBe(true);
    expect(isKeelError(Object.assign(new Error('x'), { code: 'toString', status: 500 }))).toBe(false);
    expect(isKeelError(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isKeelError({ code: 'conflict', status: 409 })).toBe(false);
    expect(isKeelError(undefined)).toBe(false);
  });

  it('turns zod issues into field errors', () => {
    const result = z.object({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: 'x' } });
    expect(result.success).toBe(false);
    const fields = zodIssuesToFieldErrors(result.error?.issues ?? [], 'body');
    expect(fields.map((f) => f.path)).toEqual(['a.b', 'c']);
    expect(fields.every((f) => f.location === 'body' && f.message.length > 0)).toBe(true);
  });
});
