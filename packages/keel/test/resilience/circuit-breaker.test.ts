import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/errors/index.js';
import { CircuitOpenError, circuitBreaker, type ResilienceEvent } from '../../src/resilience/index.js';

const fail = () => Promise.reject(new Error('dependency down'));
const succeed = () => Promise.resolve('ok');

describe('circuitBreaker', () => {
  it('opens after its threshold of consecutive failures and then refuses without running', async () => {
    const breaker = circuitBreaker({ name: 'llm', breaker: { kind: 'consecutive', failures: 3 }, minimumCalls: 1 });
    const events: ResilienceEvent[] = [];
    breaker.onEvent((event) => events.push(event));
    for (let i = 0; i < 2; i++) await expect(breaker.execute(fail)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(fail)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('open');
    let ran = 0;
    const refused = await breaker.execute(() => ran++).catch((error: unknown) => error);
    expect(ran).toBe(0);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused).toMatchObject({ code: 'circuit_open', status: 503, policy: 'llm', isolated: false });
    expect((refused as CircuitOpenError).retryAfterMs).toBeGreaterThan(9000);
    expect(events.map((e) => e.kind)).toEqual(['break', 'circuit_reject']);
    expect(breaker.snapshot()).toMatchObject({ name: 'llm', state: 'open', lastFailure: 'Error: dependency down' });
  });

  it('never opens before minimumCalls, whatever the rule says', async () => {
    const breaker = circuitBreaker({ breaker: { kind: 'consecutive', failures: 1 }, minimumCalls: 4 });
    for (let i = 0; i < 3; i++) {
      await expect(breaker.execute(fail)).rejects.toThrow('dependency down');
      expect(breaker.state).toBe('closed');
    }
    await expect(breaker.execute(fail)).rejects.toThrow('dependency down');
    expect(breaker.state).toBe('open');
  });

  it('opens on a failure ratio over a count window', async () => {
    const breaker = circuitBreaker({ breaker: { kind: 'count', threshold: 0.5, size: 10 }, minimumCalls: 10 });
    // 9 calls, 6 failed: fewer than minimumCalls.
    for (let i = 0; i < 3; i++) await breaker.execute(succeed);
    for (let i = 0; i < 6; i++) await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('opens on a failure ratio over a sampling window, once the window has enough calls', async () => {
    const breaker = circuitBreaker({
      breaker: { kind: 'sampling', threshold: 0.5, durationMs: 5000, minimumRps: 1 },
      minimumCalls: 6,
    });
    for (let i = 0; i < 2; i++) await breaker.execute(succeed);
    for (let i = 0; i < 3; i++) await breaker.execute(fail).catch(() => undefined);
    // 3 of 5 failed, but fewer than minimumCalls.
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('half-opens after its break, lets exactly the configured probes through, then closes', async () => {
    const breaker = circuitBreaker({
      breaker: { kind: 'consecutive', failures: 1 },
      minimumCalls: 1,
      halfOpenAfterMs: 100,
      halfOpenProbes: 3,
    });
    const events: ResilienceEvent[] = [];
    breaker.onEvent((event) => events.push(event));
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await sleep(120);
    expect(breaker.state).toBe('half-open');
    // Five calls at once: three probes run, two are refused.
    let running = 0;
    const releases: Array<() => void> = [];
    const probe = () =>
      new Promise<string>((resolve) => {
        running++;
        releases.push(() => resolve('probe ok'));
      });
    const calls = Array.from({ length: 5 }, () => breaker.execute(probe).catch((error: unknown) => error));
    await sleep(10);
    expect(running).toBe(3);
    for (const release of releases.splice(0, 2)) release();
    await sleep(10);
    expect(breaker.state).toBe('half-open');
    releases[0]?.();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === 'probe ok')).toHaveLength(3);
    expect(results.filter((r) => r instanceof CircuitOpenError)).toHaveLength(2);
    expect(breaker.state).toBe('closed');
    expect(events.map((e) => e.kind)).toEqual(['break', 'half_open', 'circuit_reject', 'circuit_reject', 'reset']);
  });

  it('re-opens on a failed probe, with a break that doubles up to its maximum', async () => {
    const breaker = circuitBreaker({
      breaker: { kind: 'consecutive', failures: 1 },
      minimumCalls: 1,
      halfOpenAfterMs: 100,
      maxHalfOpenAfterMs: 300,
    });
    const breaks: number[] = [];
    breaker.onEvent((event) => {
      if (event.kind === 'break') breaks.push(event.delayMs as number);
    });
    await breaker.execute(fail).catch(() => undefined);
    for (let i = 0; i < 3; i++) {
      await sleep((breaks.at(-1) as number) + 20);
      expect(breaker.state).toBe('half-open');
      await expect(breaker.execute(fail)).rejects.toThrow('dependency down');
      expect(breaker.state).toBe('open');
    }
    expect(breaks).toEqual([100, 200, 300, 300]);
    await sleep(320);
    await expect(breaker.execute(succeed)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('does not count aborts or client errors (KeelError under 500)', async () => {
    const breaker = circuitBreaker({ breaker: { kind: 'consecutive', failures: 1 }, minimumCalls: 1 });
    await expect(breaker.execute(() => Promise.reject(new NotFoundError()))).rejects.toThrow(NotFoundError);
    const controller = new AbortController();
    controller.abort();
    await expect(
      breaker.execute(() => Promise.reject(new Error('stopped')), { signal: controller.signal }),
    ).rejects.toThrow('stopped');
    expect(breaker.state).toBe('closed');
  });

  it('is isolated and reset by hand', async () => {
    const breaker = circuitBreaker({ name: 'vk' });
    const events: ResilienceEvent[] = [];
    breaker.onEvent((event) => events.push(event));
    breaker.isolate();
    expect(breaker.state).toBe('isolated');
    await expect(breaker.execute(succeed)).rejects.toMatchObject({ code: 'circuit_open', isolated: true });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(succeed)).resolves.toBe('ok');
    expect(events.map((e) => e.kind)).toEqual(['isolate', 'circuit_reject', 'reset']);
  });

  it('ignores the outcome of a call started before the circuit changed state', async () => {
    const breaker = circuitBreaker({ breaker: { kind: 'consecutive', failures: 1 }, minimumCalls: 1 });
    let release: (() => void) | undefined;
    const slow = breaker.execute(() => new Promise<string>((resolve) => (release = () => resolve('late'))));
    breaker.isolate();
    breaker.reset();
    await breaker.execute(fail).catch(() => undefined);
    expect(breaker.state).toBe('open');
    release?.();
    await expect(slow).resolves.toBe('late');
    expect(breaker.state).toBe('open');
  });

  it('refuses bad options', () => {
    expect(() => circuitBreaker({ breaker: { kind: 'count', threshold: 2, size: 10 } })).toThrow(
      /threshold must be less than 1/,
    );
    expect(() => circuitBreaker({ halfOpenAfterMs: 1000, maxHalfOpenAfterMs: 10 })).toThrow(/maxHalfOpenAfterMs/);
  });
});
