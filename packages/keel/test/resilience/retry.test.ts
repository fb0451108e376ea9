import { describe, expect, it } from 'vitest';
import { isKeelError, UsageError } from '../../src/errors/index.js';
import { type ResilienceEvent, retry } from '../../src/resilience/index.js';

class Flaky extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

// Runs work that fails `failures` times, recording when each attempt started.
function failing(failures: number, make: (n: number) => unknown = (n) => new Flaky(`failure ${n}`)) {
  const starts: number[] = [];
  const attempts: number[] = [];
  const work = async ({ attempt }: { attempt: number }) => {
    starts.push(performance.now());
    attempts.push(attempt);
    if (starts.length <= failures) throw make(starts.length);
    return 'done';
  };
  return { work, starts, attempts, gaps: () => starts.slice(1).map((at, i) => at - (starts[i] as number)) };
}

describe('retry', () => {
  it('retries 3 times by default, with exponential jittered delays within bounds', async () => {
    const policy = retry();
    const { work, attempts, gaps } = failing(10);
    const events: ResilienceEvent[] = [];
    policy.onEvent((event) => events.push(event));
    await expect(policy.execute(work)).rejects.toThrow('failure 4');
    expect(attempts).toEqual([0, 1, 2, 3]);
    // Retry n waits between half and all of 100 * 2^(n-1) ms (timers may fire a little late, never early).
    const bounds = [100, 200, 400];
    gaps().forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual((bounds[i] as number) / 2 - 2);
      expect(gap).toBeLessThan((bounds[i] as number) + 250);
    });
    expect(events.map((e) => e.kind)).toEqual(['retry', 'retry', 'retry', 'give_up']);
    expect(events.slice(0, 3).map((e) => e.attempt)).toEqual([1, 2, 3]);
    for (const [i, event] of events.slice(0, 3).entries()) {
      expect(event.delayMs).toBeGreaterThanOrEqual((bounds[i] as number) / 2);
      expect(event.delayMs).toBeLessThanOrEqual(bounds[i] as number);
    }
    expect(events[3]).toMatchObject({ kind: 'give_up', reason: 'retries_exhausted', attempt: 4 });
  });

  it('caps the backoff at maxDelayMs and answers the first success', async () => {
    const policy = retry({ maxRetries: 5, baseDelayMs: 20, maxDelayMs: 40 });
    const events: ResilienceEvent[] = [];
    policy.onEvent((event) => events.push(event));
    const { work, attempts } = failing(4);
    await expect(policy.execute(work)).resolves.toBe('done');
    expect(attempts).toEqual([0, 1, 2, 3, 4]);
    for (const event of events) expect(event.delayMs).toBeLessThanOrEqual(40);
    expect(events.filter((e) => e.kind === 'give_up')).toEqual([]);
  });

  it('does not retry a failure the predicate calls permanent', async () => {
    const { work, attempts } = failing(3, () => new TypeError('a bug'));
    await expect(retry().execute(work)).rejects.toThrow(TypeError);
    expect(attempts).toEqual([0]);
    const custom = failing(3);
    await expect(retry({ isTransient: () => false }).execute(custom.work)).rejects.toThrow('failure 1');
    expect(custom.attempts).toEqual([0]);
  });

  it('waits at least a Retry-After, and gives up at once on one over the cap', async () => {
    const policy = retry({ baseDelayMs: 1, maxRetryAfterMs: 1000 });
    const honoured = failing(1, () => new Flaky('429', 300));
    await expect(policy.execute(honoured.work)).resolves.toBe('done');
    expect(honoured.gaps()[0]).toBeGreaterThanOrEqual(298);

    const events: ResilienceEvent[] = [];
    policy.onEvent((event) => events.push(event));
    const over = failing(1, () => new Flaky('429', 5000));
    const started = performance.now();
    await expect(policy.execute(over.work)).rejects.toThrow('429');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(over.attempts).toEqual([0]);
    expect(events).toMatchObject([{ kind: 'give_up', reason: 'retry_after_over_cap' }]);
  });

  it('fails at once with the last error when a wait would pass the deadline', async () => {
    const policy = retry({ baseDelayMs: 400, maxDelayMs: 400 });
    const { work, attempts } = failing(5);
    const started = performance.now();
    await expect(policy.execute(work, { deadlineAt: Date.now() + 150 })).rejects.toThrow('failure 1');
    expect(performance.now() - started).toBeLessThan(150);
    expect(attempts).toEqual([0]);
  });

  it("stops waiting when the caller's signal fires, rejecting with its reason", async () => {
    const policy = retry({ baseDelayMs: 5000, maxDelayMs: 5000 });
    const controller = new AbortController();
    const { work, attempts } = failing(5);
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    const started = performance.now();
    await expect(policy.execute(work, { signal: controller.signal })).rejects.toThrow('caller gave up');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(attempts).toEqual([0]);
  });

  it('passes the signal to the work and refuses bad options with a UsageError', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await retry().execute(
      ({ signal }) => {
        seen = signal;
      },
      { signal: controller.signal },
    );
    expect(seen).toBe(controller.signal);
    const bad = () => retry({ maxRetries: -1, baseDelayMs: 1.5 });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(
      /maxRetries must be a whole number, 0 or more, or Infinity; baseDelayMs must be a whole number of ms/,
    );
    try {
      bad();
    } catch (error) {
      expect(isKeelError(error) && error.status).toBe(500);
    }
  });
});
