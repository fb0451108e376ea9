import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  circuitBreaker,
  fallback,
  isTransientError,
  PolicyTimeoutError,
  retry,
  timeout,
  wrap,
} from '../../src/resilience/index.js';

describe('wrap', () => {
  it('retries calls that each pass the breaker, until the breaker opens and refuses', async () => {
    const breaker = circuitBreaker({ breaker: { kind: 'consecutive', failures: 2 }, minimumCalls: 2 });
    const policy = wrap(retry({ maxRetries: 5, baseDelayMs: 1 }), breaker);
    let calls = 0;
    const error = await policy
      .execute(() => {
        calls++;
        throw new Error('down');
      })
      .catch((e: unknown) => e);
    // Two failures open the circuit; the refusal is not transient, so the retry stops there.
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(CircuitOpenError);
  });

  it('gives the work the attempt of the retry around it and the signal of the timeout inside', async () => {
    const seen: Array<[number, boolean]> = [];
    const policy = wrap(retry({ baseDelayMs: 1 }), timeout(1000));
    const result = await policy.execute(({ attempt, signal }) => {
      seen.push([attempt, signal.aborted]);
      if (attempt < 2) throw new Error('again');
      return 'third time';
    });
    expect(result).toBe('third time');
    expect(seen).toEqual([
      [0, false],
      [1, false],
      [2, false],
    ]);
  });

  it('retries a timed-out attempt (a 504 is transient)', async () => {
    let attempts = 0;
    const policy = wrap(retry({ baseDelayMs: 1 }), timeout(30));
    await expect(
      policy.execute(
        ({ signal }) =>
          new Promise((resolve, reject) => {
            attempts++;
            if (attempts === 2) return resolve('ok');
            signal.addEventListener('abort', () => reject(signal.reason));
          }),
      ),
    ).resolves.toBe('ok');
    expect(attempts).toBe(2);
    expect(isTransientError(new PolicyTimeoutError('t', 30))).toBe(true);
  });

  it('answers the refusals of the policies inside with a fallback put first', async () => {
    const breaker = circuitBreaker({ name: 'rates' });
    breaker.isolate();
    const policy = wrap(
      fallback((error) => (error instanceof CircuitOpenError ? 'cached rates' : 'other')),
      breaker,
    );
    const answer: string = await policy.execute(() => 'live rates');
    expect(answer).toBe('cached rates');
  });

  it('refuses to wrap nothing or something that is not a policy', () => {
    expect(() => wrap()).toThrow(/at least one policy/);
    expect(() => wrap({} as never)).toThrow(/policy 0 is not a policy/);
  });
});

describe('fallback', () => {
  it('answers only the failures `when` accepts, never an abort', async () => {
    const policy = fallback(() => 'default', { when: (error) => (error as Error).message === 'soft' });
    await expect(policy.execute(() => Promise.reject(new Error('soft')))).resolves.toBe('default');
    await expect(policy.execute(() => Promise.reject(new Error('hard')))).rejects.toThrow('hard');
    const controller = new AbortController();
    controller.abort();
    await expect(
      fallback(() => 'default').execute(() => Promise.reject(new Error('soft')), { signal: controller.signal }),
    ).rejects.toThrow('soft');
  });
});

describe('isTransientError', () => {
  it('tells transient failures from permanent ones', () => {
    expect(isTransientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('gone'), { status: 404 }))).toBe(false);
    expect(isTransientError(Object.assign(new Error('busy'), { status: 429 }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { transient: false, status: 503 }))).toBe(false);
    expect(isTransientError(new TypeError('bug'))).toBe(false);
    expect(isTransientError(new CircuitOpenError('x', false, 10))).toBe(false);
    expect(isTransientError('a string')).toBe(false);
  });
});
