import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  ConflictError,
  defineErrorCode,
  type ErrorCode,
  ExternalServiceError,
  type FieldError,
  type FieldLocation,
  ForbiddenError,
  isKeelError,
  KeelError,
  NotFoundError,
  problemType,
  RateLimitedError,
  registeredErrorCodes,
  TimeoutError,
  UnauthorizedError,
  UnavailableError,
  UsageError,
  ValidationError,
  zodIssuesToFieldErrors,
} from './index.js';

declare module './index.js' {
  interface ErrorCodes {
    test_event_full: true;
    test_seat_taken: true;
    test_quiet: true;
    test_never_defined: true;
  }
}

/** What `fn` threw (fails when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

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
    [new UsageError('createThing: bad options'), 'usage', 500],
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
    // What another copy of Keel's KeelError carries: a code, a status, a title and exposeMessage.
    const fields = { code: 'conflict', status: 409, title: 'Conflict', exposeMessage: true };
    const copy = (changes: Record<string, unknown> = {}) => Object.assign(new Error('x'), fields, changes);
    expect(isKeelError(copy())).toBe(true);
    // A code of the other copy's registry is recognised too: this copy's registry is not consulted.
    expect(isKeelError(copy({ code: 'only_defined_elsewhere' }))).toBe(true);
    expect(isKeelError(Object.assign(new Error('x'), { code: 'conflict', status: 409 }))).toBe(false);
    expect(isKeelError(copy({ code: 'toString' }))).toBe(false);
    expect(isKeelError(copy({ code: 'ECONNREFUSED' }))).toBe(false);
    expect(isKeelError(copy({ status: 200 }))).toBe(false);
    expect(isKeelError(copy({ exposeMessage: 'yes' }))).toBe(false);
    expect(isKeelError(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isKeelError({ ...fields })).toBe(false);
    expect(isKeelError(undefined)).toBe(false);
  });

  it('turns zod issues into field errors', () => {
    const result = z.object({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: 'x' } });
    expect(result.success).toBe(false);
    const fields = zodIssuesToFieldErrors(result.error?.issues ?? [], 'body');
    expect(fields.map((f) => f.path)).toEqual(['a.b', 'c']);
    expect(fields.every((f) => f.location === 'body' && f.message.length > 0)).toBe(true);
  });

  it('types a field location as one of the six places input comes from', () => {
    expectTypeOf<FieldLocation>().toEqualTypeOf<'body' | 'query' | 'params' | 'headers' | 'env' | 'payload'>();
    expectTypeOf<FieldError['location']>().toEqualTypeOf<FieldLocation>();
    // @ts-expect-error: library misuse is a UsageError, not a field of a ValidationError.
    const misuse: FieldError = { location: 'options', path: 'concurrency', message: 'must be positive' };
    expect(misuse.path).toBe('concurrency');
    const locations: FieldLocation[] = ['body', 'query', 'params', 'headers', 'env', 'payload'];
    const error = new ValidationError(locations.map((location) => ({ location, path: 'x', message: 'bad' })));
    expect(error.errors.map((field) => field.location)).toEqual(locations);
    expect(error.message).toBe(locations.map((location) => `${location}.x: bad`).join('; '));
  });
});

describe('the error code registry', () => {
  it('gives a defined code its status and title, and shows its message', () => {
    const code = defineErrorCode('test_event_full', { status: 409, title: 'The event is full' });
    expect(code).toBe('test_event_full');
    expectTypeOf(code).toEqualTypeOf<'test_event_full'>();
    const error = new KeelError(code, 'All 20 seats are taken', { extensions: { seats: 20 } });
    expect(error).toMatchObject({ code, status: 409, title: 'The event is full', exposeMessage: true });
    expect(error.message).toBe('All 20 seats are taken');
    expect(isKeelError(error)).toBe(true);
    expect(registeredErrorCodes().get(code)).toEqual({ status: 409, title: 'The event is full', exposeMessage: true });
  });

  it('accepts the same definition again and refuses another meaning', () => {
    const definition = { status: 409, title: 'The seat is taken' };
    defineErrorCode('test_seat_taken', definition);
    expect(defineErrorCode('test_seat_taken', { ...definition })).toBe('test_seat_taken');
    for (const other of [
      { status: 400, title: 'The seat is taken' },
      { status: 409, title: 'Seat taken' },
      { ...definition, exposeMessage: false },
    ]) {
      const error = thrown(() => defineErrorCode('test_seat_taken', other));
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(/"test_seat_taken" is already defined as 409 "The seat is taken"/);
    }
    // A built-in code cannot be redefined either.
    expect(() => defineErrorCode('not_found', { status: 410, title: 'Gone' })).toThrow(UsageError);
    expect(defineErrorCode('not_found', { status: 404, title: 'Not found' })).toBe('not_found');
    // The refused definitions changed nothing.
    expect(new KeelError('test_seat_taken', 'x')).toMatchObject({ status: 409, title: 'The seat is taken' });
    expect(new NotFoundError()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it('refuses a malformed code or definition with a UsageError', () => {
    const bad: [string, { status: number; title: string; exposeMessage?: unknown }][] = [
      ['Event-Full', { status: 409, title: 'x' }],
      ['', { status: 409, title: 'x' }],
      ['x'.repeat(65), { status: 409, title: 'x' }],
      ['test_bad_status', { status: 200, title: 'x' }],
      ['test_bad_status', { status: 409.5, title: 'x' }],
      ['test_bad_title', { status: 409, title: ' ' }],
      ['test_bad_expose', { status: 409, title: 'x', exposeMessage: 'no' }],
    ];
    for (const [code, definition] of bad) {
      const error = thrown(() => defineErrorCode(code as ErrorCode, definition as { status: number; title: string }));
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toMatch(/^defineErrorCode: /);
    }
    expect(registeredErrorCodes().has('test_bad_status')).toBe(false);
  });

  it('answers 500 with a hidden message for a code nobody defined, keeping the code for the logs', () => {
    const error = new KeelError('test_never_defined', 'stack trace with a table name');
    expect(error).toMatchObject({
      code: 'test_never_defined',
      status: 500,
      title: 'Internal server error',
      exposeMessage: false,
    });
    expect(error.message).toBe('stack trace with a table name');
  });

  it('hides the message of `usage` and `internal` errors, and of codes defined so', () => {
    const usage = new UsageError('createJobQueue: concurrency must be 1 or more');
    expect(usage).toMatchObject({ code: 'usage', status: 500, title: 'Internal server error', exposeMessage: false });
    expect(usage.message).toBe('createJobQueue: concurrency must be 1 or more');
    expect(new KeelError('internal', 'x')).toMatchObject({ status: 500, exposeMessage: false });
    expect(new ConfigError(['A: x']).exposeMessage).toBe(true);
    expect(new NotFoundError().exposeMessage).toBe(true);
    defineErrorCode('test_quiet', { status: 502, title: 'Upstream failed', exposeMessage: false });
    expect(new KeelError('test_quiet', 'upstream said: password wrong')).toMatchObject({
      status: 502,
      exposeMessage: false,
    });
  });

  it('lists every code in registration order, as a snapshot that cannot change the registry', () => {
    const codes = registeredErrorCodes();
    expect([...codes.keys()].slice(0, 3)).toEqual(['validation', 'bad_request', 'unauthorized']);
    expect(codes.get('usage')).toEqual({ status: 500, title: 'Internal server error', exposeMessage: false });
    (codes as Map<string, unknown>).delete('not_found');
    expect(() => {
      (codes.get('conflict') as { status: number }).status = 200;
    }).toThrow(TypeError);
    expect(registeredErrorCodes().has('not_found')).toBe(true);
    expect(new ConflictError().status).toBe(409);
  });
});
