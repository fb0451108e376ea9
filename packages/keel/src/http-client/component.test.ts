import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HealthRegistry } from '../health/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import type { ComponentContext } from '../service/index.js';
import { eventually } from '../testing/index.js';
import type { HttpClientError } from './index.js';
import { client, rejection, server, stopContext } from './test/harness.js';
import { json } from './test/servers.js';

function startContext(metrics = new MetricsRegistry({ defaultMetrics: false })): ComponentContext {
  return { logger: pino({ level: 'silent' }), metrics, health: new HealthRegistry(), state: () => 'running' };
}

const delayed = (ms: number) => (_req: unknown, res: Parameters<typeof json>[0]) => {
  setTimeout(() => json(res, 200, { ok: true }), ms).unref();
};

describe('http-client pools and lifecycle', () => {
  it('never opens more connections than its limit, under 50 concurrent requests', async () => {
    // Answers are held until released: the busiest moment lasts as long as the test looks at it.
    let hold = true;
    const held: ServerResponse[] = [];
    const origin = await server((_req, res) => {
      if (hold) held.push(res);
      else json(res, 200, { ok: true });
    });
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const http = client({ name: 'limited', baseUrl: origin.url, connections: 5, metrics });
    const all = Promise.all(Array.from({ length: 50 }, (_, i) => http.request({ path: `/r/${i}` })));
    await eventually(() => held.length === 5);
    // Every connection in use, the rest waiting in the pool's queue; the server saw 5 sockets.
    const busy = await metrics.text();
    expect(busy).toMatch(/keel_http_client_pool_connections\{client="limited",origin="[^"]+",state="in_use"\} 5/);
    expect(Number(/keel_http_client_pool_queued_requests\{[^}]*\} (\d+)/.exec(busy)?.[1])).toBe(45);
    expect(origin.log.open).toBe(5);
    hold = false;
    for (const res of held.splice(0)) json(res, 200, { ok: true });
    const responses = await all;
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(origin.log.requests).toBe(50);
    expect(origin.log.maxOpen).toBeLessThanOrEqual(5);
    expect(origin.log.opened).toBeLessThanOrEqual(5);
  });

  it('stops after the requests in flight finish, then closes every socket', async () => {
    const origin = await server(delayed(100));
    const http = client({ baseUrl: origin.url, connections: 10 });
    await http.start(startContext());
    const inFlight = Array.from({ length: 10 }, () => http.request({ path: '/slow' }));
    await eventually(() => origin.log.requests === 10);
    const stop = stopContext(5000);
    await http.stop(stop);
    // Every request finished before the pools closed, and none was abandoned.
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(stop.abandoned).toEqual([]);
    await eventually(() => origin.log.open === 0 && origin.log.closed === origin.log.opened, { timeoutMs: 2000 });
    // A stopped client refuses new requests without sending them.
    const late = (await rejection(http.request({ path: '/late' }))) as HttpClientError;
    expect(late).toMatchObject({ code: 'external_service_unavailable', attempts: 0 });
    expect(origin.log.requests).toBe(10);
    // Started again, it opens a new pool.
    await http.start(startContext());
    await expect(http.request({ path: '/again' })).resolves.toMatchObject({ status: 200 });
    expect(origin.log.requests).toBe(11);
  });

  it('aborts what is left when the grace period ends, and destroys the pools', async () => {
    const origin = await server(() => {}); // hangs
    const http = client({ name: 'hanging', baseUrl: origin.url });
    await http.start(startContext());
    const inFlight = Array.from({ length: 3 }, () => rejection(http.request({ path: '/hang' })));
    await eventually(() => origin.log.requests === 3);
    const stop = stopContext(80);
    const started = performance.now();
    await http.stop(stop);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stop.abandoned).toEqual(['3 HTTP client requests (hanging)']);
    for (const error of (await Promise.all(inFlight)) as HttpClientError[]) {
      expect(error).toMatchObject({ code: 'external_service_unavailable' });
      expect(error.message).toContain('abandoned: the HTTP client stopped');
    }
    await eventually(() => origin.log.open === 0, { timeoutMs: 2000 });
  });

  it('is a health check on its origin: up below 500, down at 500 or when unreachable', async () => {
    const origin = await server((req, res) => json(res, req.url === '/ping' ? 200 : 500, {}));
    const http = client({ name: 'partner', baseUrl: origin.url });
    const health = new HealthRegistry();
    health.register(http.healthCheck({ path: '/ping' }));
    health.register(http.healthCheck({ name: 'partner-root', critical: true }));
    const report = await health.run();
    expect(report.checks.partner).toMatchObject({ status: 'up', critical: false, details: { status: 200 } });
    expect(report.checks['partner-root']).toMatchObject({ status: 'down' });
    expect(report.checks['partner-root']?.error).toContain('answered 500');
    expect(report.status).toBe('down');
    // Sent once each: a health check is never retried.
    expect(origin.log.requests).toBe(2);
  });
});
