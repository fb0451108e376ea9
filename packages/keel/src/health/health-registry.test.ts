import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors/index.js';
import { type HealthCheck, HealthRegistry, type HealthReport } from './index.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('HealthRegistry', () => {
  it('is ok with no checks and with passing checks, keeping details', async () => {
    const health = new HealthRegistry();
    expect(await health.run()).toEqual({ status: 'ok', checks: {} });
    health.register({ name: 'db', check: async () => ({ version: 15 }) });
    const report = await health.run();
    expect(report.status).toBe('ok');
    expect(report.checks.db).toMatchObject({ status: 'up', critical: true, details: { version: 15 } });
    expect(report.checks.db?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('is down when a critical check fails, degraded when only a non-critical one does', async () => {
    const health = new HealthRegistry();
    health.register({ name: 'mail', critical: false, check: async () => Promise.reject(new Error('smtp refused')) });
    expect(await health.run()).toMatchObject({
      status: 'degraded',
      checks: { mail: { status: 'down', error: 'smtp refused' } },
    });
    health.register({
      name: 'db',
      critical: undefined,
      check: () => {
        throw new Error('sync failure');
      },
    });
    expect((await health.run()).status).toBe('down');
    health.unregister('db');
    expect((await health.run()).status).toBe('degraded');
  });

  it('runs checks in parallel, each within its own timeout, aborting the slow one', async () => {
    vi.useFakeTimers();
    const health = new HealthRegistry();
    let aborted = false;
    health.register({
      name: 'slow',
      timeoutMs: 100,
      // Never answers: only its timeout ends it.
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    });
    // `a` and `b` each wait until both have started: run one after the other, the first would wait
    // for the second until its own timeout and report down.
    const started = new Set<string>();
    let bothStarted!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothStarted = resolve;
    });
    const waitForBoth = (name: string) => async () => {
      started.add(name);
      if (started.size === 2) bothStarted();
      await barrier;
      return undefined;
    };
    health.register({ name: 'a', timeoutMs: 1000, check: waitForBoth('a') });
    health.register({ name: 'b', timeoutMs: 1000, check: waitForBoth('b') });
    let report: HealthReport | undefined;
    const running = health.run().then((done) => {
      report = done;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    // Done once the slowest timeout (100 ms) passed: one after the other they would take 1.1 s.
    expect(report).toBeDefined();
    await running;
    if (report === undefined) return;
    expect(aborted).toBe(true);
    expect(report.status).toBe('down');
    expect(report.checks.slow).toMatchObject({ status: 'down', error: 'check timed out after 100 ms' });
    expect(report.checks.a?.status).toBe('up');
    expect(report.checks.b?.status).toBe('up');
    // Nothing is left pending: every check's own timer was cleared.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a check that outlives its own timeout as down, leaving the others alone', async () => {
    vi.useFakeTimers();
    const health = new HealthRegistry();
    const never = () => new Promise<undefined>(() => undefined);
    health.register({ name: 'quick-timeout', critical: false, timeoutMs: 50, check: never });
    health.register({ name: 'default-timeout', check: never });
    const running = health.run();
    await vi.advanceTimersByTimeAsync(1999);
    let settled = false;
    void running.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const report = await running;
    expect(report.checks['quick-timeout']).toMatchObject({ status: 'down', error: 'check timed out after 50 ms' });
    expect(report.checks['default-timeout']).toMatchObject({
      status: 'down',
      critical: true,
      error: 'check timed out after 2000 ms',
    });
  });

  it('refuses a malformed check with a UsageError naming every problem', () => {
    const health = new HealthRegistry();
    expect(() =>
      health.register({ name: 'bad name', check: 'ping' as unknown as HealthCheck['check'], timeoutMs: 0 }),
    ).toThrow(
      new UsageError(
        'health.register: name must be 1-128 letters, digits or ._:-, starting with a letter or digit; check must be a function; timeoutMs must be 1 or more',
      ),
    );
    expect(() => health.register({ name: 'db', check: async () => undefined, timeoutMs: 1.5 })).toThrow(UsageError);
  });
});
