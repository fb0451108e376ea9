import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  BulkheadFullError,
  bulkhead,
  PolicyTimeoutError,
  type ResilienceEvent,
  timeout,
} from '../../src/resilience/index.js';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('bulkhead', () => {
  it('runs at most limit calls at once, queues up to queue, and refuses the next with a typed error', async () => {
    const slots = bulkhead({ name: 'indexer', limit: 2, queue: 1 });
    const events: ResilienceEvent[] = [];
    slots.onEvent((event) => events.push(event));
    const release = gate();
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await release.opened;
      running--;
      return 'done';
    };
    const calls = [slots.execute(work), slots.execute(work), slots.execute(work)];
    await sleep(10);
    expect(slots.running).toBe(2);
    expect(slots.queued).toBe(1);
    const refused = await slots.execute(work).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BulkheadFullError);
    expect(refused).toMatchObject({ code: 'bulkhead_full', status: 503, policy: 'indexer' });
    release.open();
    await expect(Promise.all(calls)).resolves.toEqual(['done', 'done', 'done']);
    expect(most).toBe(2);
    expect(events).toMatchObject([{ kind: 'bulkhead_reject', reason: 'full' }]);
    expect(slots.running).toBe(0);
  });

  it('takes a waiter whose signal fires out of the queue at once, freeing its place', async () => {
    const slots = bulkhead({ limit: 1, queue: 1 });
    const release = gate();
    const first = slots.execute(() => release.opened);
    const controller = new AbortController();
    const queued = slots.execute(() => 'never', { signal: controller.signal });
    controller.abort(new Error('caller left'));
    await expect(queued).rejects.toThrow('caller left');
    expect(slots.queued).toBe(0);
    const next = slots.execute(() => 'next');
    release.open();
    await first;
    await expect(next).resolves.toBe('next');
  });

  it('refuses a waiter whose deadline passes in the queue', async () => {
    const slots = bulkhead({ limit: 1, queue: 5 });
    const release = gate();
    const first = slots.execute(() => release.opened);
    await expect(slots.execute(() => 'late', { deadlineAt: Date.now() + 50 })).rejects.toBeInstanceOf(
      BulkheadFullError,
    );
    release.open();
    await first;
  });
});

describe('timeout', () => {
  it("aborts the work's signal at the timeout and fails with a 504 once the work stops", async () => {
    const limit = timeout(100, { name: 'report' });
    const events: ResilienceEvent[] = [];
    limit.onEvent((event) => events.push(event));
    let abortedAt: number | undefined;
    const started = performance.now();
    const error = await limit
      .execute(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              abortedAt = performance.now() - started;
              reject(new Error('work aborted'));
            });
          }),
      )
      .catch((e: unknown) => e);
    expect(abortedAt).toBeGreaterThanOrEqual(98);
    expect(error).toBeInstanceOf(PolicyTimeoutError);
    expect(error).toMatchObject({ code: 'policy_timeout', status: 504, policy: 'report' });
    expect((error as Error).cause).toMatchObject({ message: 'work aborted' });
    expect(events).toMatchObject([{ kind: 'timeout', delayMs: 100 }]);
  });

  it('answers work done in time, and aborts its signal afterwards (no work left running)', async () => {
    let seen: AbortSignal | undefined;
    await expect(
      timeout(1000).execute(({ signal }) => {
        seen = signal;
        return 'fast';
      }),
    ).resolves.toBe('fast');
    expect(seen?.aborted).toBe(true);
  });

  it('with abandon, rejects at once even when the work ignores its signal', async () => {
    let aborted = false;
    const started = performance.now();
    await expect(
      timeout(50, { abandon: true }).execute(({ signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        return sleep(2000);
      }),
    ).rejects.toBeInstanceOf(PolicyTimeoutError);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(aborted).toBe(true);
  });

  it("passes the caller's abort through as itself, not as a timeout", async () => {
    const controller = new AbortController();
    const call = timeout(5000).execute(
      ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal },
    );
    controller.abort(new Error('caller left'));
    await expect(call).rejects.toThrow('caller left');
  });
});
