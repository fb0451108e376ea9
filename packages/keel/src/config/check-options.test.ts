import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isKeelError, UsageError } from '../errors/index.js';
import { checkOptions, option } from './index.js';

type Guard = (request: { url: string }) => Promise<void>;

class Store {
  readonly kind = 'store';
}

const schema = z.object({
  name: option.name(),
  pollIntervalMs: option.positiveDurationMs().default(1000),
  graceMs: option.durationMs().optional(),
  concurrency: option.count().default(4),
  guard: option.fn<Guard>(),
  store: option.instance(Store, 'a Store').optional(),
  retry: z.object({ attempts: option.count(), delayMs: option.durationMs() }).optional(),
});

/** The UsageError `run` threw. */
function usage(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

const guard: Guard = async () => undefined;

describe('checkOptions', () => {
  it('returns the options parsed, defaults applied, functions and instances kept', () => {
    const store = new Store();
    const resolved = checkOptions('createThing', schema, { name: 'reminders', guard, store });
    expect(resolved).toEqual({ name: 'reminders', pollIntervalMs: 1000, concurrency: 4, guard, store });
    expect(resolved.guard).toBe(guard);
    expect(resolved.store).toBe(store);
    expectTypeOf(resolved.pollIntervalMs).toEqualTypeOf<number>();
    expectTypeOf(resolved.guard).toEqualTypeOf<Guard>();
    expectTypeOf(resolved.store).toEqualTypeOf<Store | undefined>();
    // Missing options are checked as `{}`: defaults apply, required ones are reported.
    const optional = z.object({ concurrency: option.count().default(2) });
    expect(checkOptions('createThing', optional, undefined)).toEqual({ concurrency: 2 });
    expect(checkOptions('createThing', optional, null)).toEqual({ concurrency: 2 });
  });

  it('lists every problem with its path in one UsageError, prefixed by the function', () => {
    const error = usage(() =>
      checkOptions('createThing', schema, {
        name: 'has space',
        pollIntervalMs: 0,
        graceMs: 1.5,
        concurrency: -1,
        guard: 'not a function',
        store: { kind: 'store' },
        retry: { attempts: 0, delayMs: -5 },
      }),
    );
    expect(error.message).toBe(
      [
        'createThing: name must be 1-128 letters, digits or ._:-, starting with a letter or digit',
        'pollIntervalMs must be 1 or more',
        'graceMs must be a whole number of ms',
        'concurrency must be 1 or more',
        'guard must be a function',
        'store must be a Store',
        'retry.attempts must be 1 or more',
        'retry.delayMs must be 0 or more',
      ].join('; '),
    );
    expect(error.cause).toBeInstanceOf(z.ZodError);
    expect((error.cause as z.ZodError).issues).toHaveLength(8);
  });

  it('is a UsageError: code `usage`, status 500, its message hidden from clients', () => {
    const error = usage(() => checkOptions('createThing', schema, { name: 'x' }));
    expect(isKeelError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'usage', status: 500, exposeMessage: false });
    expect(error.message).toBe('createThing: guard must be a function');
  });

  it('says in plain words what a value of the wrong type should be, or that it is missing', () => {
    const error = usage(() =>
      checkOptions('createThing', schema, {
        pollIntervalMs: '100',
        concurrency: Number.POSITIVE_INFINITY,
        guard,
        retry: 'twice',
      }),
    );
    expect(error.message).toBe(
      'createThing: name is required; pollIntervalMs must be a number; concurrency must be a finite number; retry must be an object',
    );
    expect(usage(() => checkOptions('createThing', schema, 'fast')).message).toBe(
      'createThing: the options must be an object',
    );
    // A schema's own message wins over the plain words.
    const custom = z.object({ mode: z.string({ error: 'must be "a" or "b"' }) });
    expect(usage(() => checkOptions('createThing', custom, { mode: 1 })).message).toBe(
      'createThing: mode must be "a" or "b"',
    );
  });

  it('option.name() allows 1-128 letters, digits or ._:-, starting with a letter or digit', () => {
    const name = option.name();
    for (const good of ['a', 'Z', '7', 'send-mail', 'jobs.notify:v2', 'a_b', 'x'.repeat(128)]) {
      expect(name.safeParse(good).success, good).toBe(true);
    }
    for (const bad of ['', ' a', '-a', '.a', '_a', ':a', 'a b', 'a/b', 'é', 'x'.repeat(129), 'a\n']) {
      expect(name.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(usage(() => checkOptions('createQueue', z.object({ name }), { name: 'my queue' })).message).toBe(
      'createQueue: name must be 1-128 letters, digits or ._:-, starting with a letter or digit',
    );
  });

  it('option.fn() accepts any function, sync or async, and nothing else', () => {
    const fn = option.fn<() => void>();
    for (const good of [() => undefined, async () => undefined, function named() {}, class {}, Math.max]) {
      expect(fn.safeParse(good).success).toBe(true);
    }
    for (const bad of [undefined, null, 1, 'fn', {}, { call: () => undefined }]) {
      expect(fn.safeParse(bad).success).toBe(false);
    }
    expect(fn.safeParse(1).error?.issues[0]?.message).toBe('must be a function');
  });

  it('option durations and counts take whole numbers in their range', () => {
    expect(option.durationMs().safeParse(0).success).toBe(true);
    expect(option.positiveDurationMs().safeParse(0).success).toBe(false);
    expect(option.positiveDurationMs().safeParse(1).success).toBe(true);
    expect(option.count().safeParse(1).success).toBe(true);
    expect(option.count().safeParse(0).success).toBe(false);
    expect(option.count().safeParse(2.5).success).toBe(false);
    expect(option.durationMs().safeParse(Number.NaN).success).toBe(false);
  });
});
