import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HealthRegistry } from './index.js';

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
    const health = new HealthRegistry();
    let aborted = false;
    health.register({
      name: 'slow',
      timeoutMs: 100,
      check: async (signal) => {
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        await sleep(5000);
      },
    });
    health.register({ name: 'a', timeoutMs: 1000, check: () => sleep(150).then(() => undefined) });
    health.register({ name: 'b', timeoutMs: 1000, check: () => sleep(150).then(() => undefined) });
    const started = performance.now();
    const report = await health.run();
    const took = performance.now() - started;
    expect(took).toBeLessThan(400);
    expect(aborted).toBe(true);
    expect(report.status).toBe('down');
    expect(report.checks.slow).toMatchObject({ status: 'down', error: 'check timed out after 100 ms' });
    expect(report.checks.a?.status).toBe('up');
    expect(report.checks.b?.status).toBe('up');
  });
});
