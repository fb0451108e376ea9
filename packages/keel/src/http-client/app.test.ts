import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from '../app/index.js';
import { createTestApp, type TestApp } from '../testing/index.js';
import { createHttpClient, type HttpClient, type HttpClientError } from './index.js';
import { policyName } from './origin.js';
import { rejection } from './test/harness.js';
import { lintExposition } from './test/prom-lint.js';
import { json, type ScriptedServer, startServer } from './test/servers.js';

const Ok = z.object({ ok: z.boolean() });
const admin = { authorization: 'Bearer admin' };

// The value of a sample, whatever other labels (the service's default ones) it carries.
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    if (Object.entries(labels).every(([key, value]) => (match[2] as string).includes(`${key}="${value}"`)))
      return Number(match[3]);
  }
  return undefined;
}

describe('http-client in a service: registry, /metrics, admin, readiness, stop', () => {
  let origin: ScriptedServer;
  let test: TestApp<unknown>;
  let partner: HttpClient;
  let failing = true;

  beforeAll(async () => {
    origin = await startServer((req, res) => json(res, failing && req.url !== '/ping' ? 503 : 200, { ok: true }));
    // A feature makes its client with the service's registry, lists it as a component and its
    // health check in readiness, as a service's own code would.
    const partnerFeature = defineFeature({
      name: 'partner',
      setup: (app: FeatureContext<unknown>) => {
        const http = createHttpClient({
          name: 'partner',
          baseUrl: origin.url,
          retry: { maxRetries: 1, baseDelayMs: 1 },
          circuitBreaker: { breaker: { kind: 'consecutive', failures: 2 }, minimumCalls: 2, halfOpenAfterMs: 60_000 },
          resilience: app.resilience,
        });
        return {
          components: [http],
          health: [http.healthCheck({ name: 'partner-api', path: '/ping' })],
          exports: http,
        };
      },
    });
    test = await createTestApp<unknown>({
      features: [partnerFeature],
      auth: {
        authenticate: async (request) =>
          request.headers.authorization === 'Bearer admin' ? { name: 'admin', admin: true } : null,
        isAdmin: (principal) => (principal as { admin: boolean }).admin,
      },
    });
    partner = test.app.use(partnerFeature);
  });
  afterAll(async () => {
    await test?.close();
    await origin?.close();
  });

  it("shows the client's metrics and its breaker's state in /metrics, lint-clean", async () => {
    await partner.getJson('/ping', Ok);
    const error = (await rejection(partner.getJson('/pay', Ok))) as HttpClientError;
    expect(error).toMatchObject({ code: 'external_service_unavailable', attempts: 2, retried: true });
    const text = (await test.app.http.app.inject('/metrics')).body;
    // Keel's families lint clean (prom-client's own nodejs_active_*_total gauges break the _total rule).
    expect(lintExposition(text)).toEqual([]);
    const name = policyName('partner', origin.origin);
    const labels = { client: 'partner', origin: origin.origin };
    expect(sample(text, 'keel_http_client_requests_total', { ...labels, status_class: '2xx' })).toBe(1);
    expect(sample(text, 'keel_http_client_requests_total', { ...labels, status_class: '5xx' })).toBe(2);
    expect(sample(text, 'keel_http_client_request_duration_seconds_count', labels)).toBe(3);
    expect(sample(text, 'keel_http_client_pool_connections', { ...labels, state: 'idle' })).toBe(1);
    expect(sample(text, 'keel_http_client_pool_queued_requests', labels)).toBe(0);
    expect(sample(text, 'keel_resilience_circuit_state', { policy: name, state: 'open' })).toBe(1);
    expect(sample(text, 'keel_resilience_circuit_state', { policy: name, state: 'closed' })).toBe(0);
    expect(sample(text, 'keel_resilience_events_total', { policy: name, type: 'retry', event: 'retry' })).toBe(1);
    expect(
      sample(text, 'keel_resilience_events_total', { policy: name, type: 'circuit_breaker', event: 'break' }),
    ).toBe(1);
  });

  it('lists its breaker in /admin/resilience, resettable, and readiness reports it open', async () => {
    const name = policyName('partner', origin.origin);
    const list = await test.inject('GET', '/admin/resilience/breakers', { headers: admin });
    expect(list.body).toMatchObject({ items: [{ name, state: 'open', critical: false }] });
    const ready = await test.inject('GET', '/health/ready');
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { resilience: { status: 'down' } } });
    // The client's own check goes through the breaker, so it fails while the circuit is open.
    expect((ready.body as { checks: Record<string, { status: string }> }).checks['partner-api']?.status).toBe('down');
    failing = false;
    const reset = await test.inject('POST', `/admin/resilience/breakers/${encodeURIComponent(name)}/reset`, {
      headers: admin,
    });
    expect(reset.body).toMatchObject({ name, state: 'closed' });
    await expect(partner.getJson('/pay', Ok)).resolves.toEqual({ ok: true });
    const after = await test.inject('GET', '/health/ready');
    expect(after.body).toMatchObject({ status: 'ok', checks: { 'partner-api': { status: 'up' } } });
  });

  it('closes every socket to the origin when the service stops', async () => {
    await Promise.all(Array.from({ length: 6 }, () => partner.getJson('/ping', Ok)));
    expect(origin.log.open).toBeGreaterThan(0);
    await test.close();
    await origin.allClosed();
    expect(origin.log.open).toBe(0);
    expect(origin.log.closed).toBe(origin.log.opened);
    await expect(partner.getJson('/ping', Ok)).rejects.toMatchObject({
      code: 'external_service_unavailable',
      attempts: 0,
    });
  });
});
