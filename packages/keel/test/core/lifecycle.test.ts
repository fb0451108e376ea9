import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../src/testing/eventually.js';
import { type Spawned, startService } from './spawn-service.js';

const running: Spawned[] = [];
afterEach(() => {
  for (const spawned of running.splice(0)) if (spawned.child.exitCode === null) spawned.child.kill('SIGKILL');
});

async function service(env: Record<string, string> = {}): Promise<Spawned & { url: string }> {
  const spawned = await startService(env);
  running.push(spawned);
  return spawned;
}

// Each probe opens its own connection, as a load balancer's health check does.
async function freshGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const res = await request(url, { dispatcher: agent, reset: true });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  } finally {
    await agent.close();
  }
}

const incoming = (path: string) => (line: Record<string, unknown>) =>
  line.msg === 'incoming request' && String(line.url).startsWith(path);

describe('service lifecycle (process)', () => {
  it('drains 200 requests in flight on SIGTERM, readiness 503 meanwhile, then exits 0', async () => {
    const fixture = await service({ LOG_LEVEL: 'debug', SHUTDOWN_GRACE_MS: '10000' });
    expect((await freshGet(`${fixture.url}/health/ready`)).status).toBe(200);
    const agent = new Agent({ connections: 250, pipelining: 1 });
    // Each /hold request stays in flight until SIGUSR2 releases them all, however long the probes take.
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      request(`${fixture.url}/hold?n=${i}`, { dispatcher: agent }).then(async (res) => ({
        status: res.statusCode,
        body: (await res.body.json()) as { held: number },
      })),
    );
    await eventually(() => fixture.lines.filter(incoming('/hold')).length === 200);
    fixture.child.kill('SIGTERM');
    await fixture.waitFor((line) => line.msg === 'service stopping');

    const ready = await freshGet(`${fixture.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'down', reason: 'shutting down' });
    expect((await freshGet(`${fixture.url}/health/live`)).status).toBe(200);
    const refused = await freshGet(`${fixture.url}/sleep?ms=1`);
    expect(refused.status).toBe(503);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:keel:problem:unavailable', status: 503 });
    expect(fixture.child.exitCode).toBeNull();

    fixture.child.kill('SIGUSR2');
    const results = await Promise.all(inFlight);
    expect(results.filter((r) => r.status === 200)).toHaveLength(200);
    expect(new Set(results.map((r) => r.body.held)).size).toBe(200);
    const exit = await fixture.exited;
    expect(exit.code).toBe(0);
    expect(fixture.lines.some((line) => line.msg === 'service stopped')).toBe(true);
    await agent.close();
  });

  it('abandons a request that outlives the grace period, logs what was cut and exits 1', async () => {
    const fixture = await service({ LOG_LEVEL: 'debug', SHUTDOWN_GRACE_MS: '300' });
    const slow = request(`${fixture.url}/sleep?ms=20000`, { dispatcher: new Agent() }).then(
      (res) => res.statusCode,
      (error: Error) => error,
    );
    await fixture.waitFor(incoming('/sleep'));
    const signalled = Date.now();
    fixture.child.kill('SIGTERM');
    const exit = await fixture.exited;
    const stopMs = Date.now() - signalled;
    console.info(`grace 300 ms: exited ${stopMs} ms after SIGTERM`);
    expect(exit.code).toBe(1);
    // A hang bound, not a latency goal: the request would hold the process for 20 s.
    expect(stopMs).toBeLessThan(10_000);
    const cut = fixture.lines.find((line) => line.msg === 'service stopped uncleanly; this work was cut');
    expect(cut?.abandoned).toEqual([
      expect.stringMatching(/^http: HTTP request GET \/sleep\?ms=20000 \(request .+\)$/),
    ]);
    expect(await slow).toBeInstanceOf(Error);
  });

  it('exits at once on a second signal', async () => {
    const fixture = await service({ LOG_LEVEL: 'debug', SHUTDOWN_GRACE_MS: '30000' });
    void request(`${fixture.url}/sleep?ms=20000`, { dispatcher: new Agent() }).catch(() => undefined);
    await fixture.waitFor(incoming('/sleep'));
    fixture.child.kill('SIGTERM');
    await fixture.waitFor((line) => String(line.msg).startsWith('waiting for requests in flight'));
    const second = Date.now();
    fixture.child.kill('SIGINT');
    const exit = await fixture.exited;
    const exitMs = Date.now() - second;
    console.info(`second signal: exited ${exitMs} ms after it`);
    // A hang bound, not a latency goal: without the second signal the request would hold the
    // process for 20 s (the grace is 30 s).
    expect(exitMs).toBeLessThan(10_000);
    expect(exit.code).toBe(1);
    expect(fixture.lines.some((line) => line.msg === 'second signal: exiting at once')).toBe(true);
  });

  for (const [route, origin] of [
    ['/crash', 'uncaughtException'],
    ['/reject', 'unhandledRejection'],
  ] as const) {
    it(`logs ${origin} as fatal and shuts down in order`, async () => {
      const fixture = await service();
      const res = await request(`${fixture.url}${route}`, { method: 'POST', dispatcher: new Agent() });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      const exit = await fixture.exited;
      expect(exit.code).toBe(1);
      const fatal = fixture.lines.find((line) => line.msg === 'fatal error: shutting down');
      expect(fatal).toMatchObject({ level: 60, origin });
      expect(JSON.stringify(fatal?.err)).toContain('on purpose');
      const order = fixture.lines.map((line) => line.msg);
      expect(order.indexOf('service stopping')).toBeGreaterThan(order.indexOf('fatal error: shutting down'));
      expect(order).toContain('service stopped');
    });
  }
});
