import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFeature, type FeatureContext } from '../../src/app/index.js';
import { lintExposition } from '../../src/http-client/test/prom-lint.js';
import {
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  ResilienceRegistry,
  type RetryPolicy,
  rateLimit,
} from '../../src/resilience/index.js';
import { createTestApp, type TestApp } from '../../src/testing/index.js';

interface Policies {
  llm: CircuitBreakerPolicy;
  payments: CircuitBreakerPolicy;
  retries: RetryPolicy;
  slots: BulkheadPolicy;
}

// A feature reaches the service's registry through its context, as a service's own code would.
const calls = defineFeature({
  name: 'calls',
  setup: (app: FeatureContext<unknown>) => ({
    exports: {
      llm: app.resilience.circuitBreaker('llm', { breaker: { kind: 'consecutive', failures: 2 }, minimumCalls: 2 }),
      payments: app.resilience.circuitBreaker('payments', {
        critical: true,
        minimumCalls: 1,
        breaker: { kind: 'consecutive', failures: 1 },
      }),
      retries: app.resilience.retry('llm', { baseDelayMs: 1 }),
      slots: app.resilience.bulkhead('llm', { limit: 1 }),
    } satisfies Policies,
  }),
});

// The value of a sample, whatever other labels (the service's default ones) it carries.
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) => (match[2] as string).includes(`${key}="${value}"`));
    if (has) return Number(match[3]);
  }
  return undefined;
}

describe('resilience in an app: registry, metrics, logs, admin API, readiness', () => {
  let test: TestApp<unknown>;
  let policies: Policies;
  const admin = { authorization: 'Bearer admin' };

  beforeAll(async () => {
    test = await createTestApp<unknown>({
      features: [calls],
      auth: {
        authenticate: async (request) => (request.headers.authorization === 'Bearer admin' ? { admin: true } : null),
        isAdmin: (principal) => (principal as { admin: boolean }).admin,
      },
    });
    policies = test.app.use(calls);
  });
  afterAll(() => test?.close());

  it('gives features and the app the same registry', () => {
    expect(test.app.resilience).toBeInstanceOf(ResilienceRegistry);
    expect(test.app.resilience.breaker('llm')).toBe(policies.llm);
    expect(test.app.resilience.get('retry', 'llm')).toBe(policies.retries);
    expect(() => test.app.resilience.circuitBreaker('llm')).toThrow(/already a circuit_breaker policy named "llm"/);
    expect(() => test.app.resilience.add(rateLimit({ name: 'vk', limit: 3 }))).not.toThrow();
  });

  it('reports every event to Prometheus, lint-clean, and to the logs', async () => {
    let attempts = 0;
    await expect(
      policies.retries.execute(() => {
        attempts++;
        throw new Error('llm down');
      }),
    ).rejects.toThrow('llm down');
    expect(attempts).toBe(4);
    await policies.llm.execute(() => Promise.reject(new Error('llm down'))).catch(() => undefined);
    await policies.llm.execute(() => Promise.reject(new Error('llm down'))).catch(() => undefined);
    await policies.llm.execute(() => 'refused').catch(() => undefined);
    let release: () => void = () => undefined;
    const held = policies.slots.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await policies.slots.execute(() => 'refused').catch(() => undefined);

    const text = (await test.app.http.app.inject('/metrics')).body;
    expect(lintExposition(text)).toEqual([]);
    expect(sample(text, 'keel_resilience_events_total', { policy: 'llm', type: 'retry', event: 'retry' })).toBe(3);
    expect(sample(text, 'keel_resilience_events_total', { policy: 'llm', type: 'retry', event: 'give_up' })).toBe(1);
    expect(
      sample(text, 'keel_resilience_events_total', { policy: 'llm', type: 'circuit_breaker', event: 'break' }),
    ).toBe(1);
    expect(
      sample(text, 'keel_resilience_events_total', { policy: 'llm', type: 'circuit_breaker', event: 'circuit_reject' }),
    ).toBe(1);
    expect(
      sample(text, 'keel_resilience_events_total', { policy: 'llm', type: 'bulkhead', event: 'bulkhead_reject' }),
    ).toBe(1);
    expect(sample(text, 'keel_resilience_circuit_state', { policy: 'llm', state: 'open' })).toBe(1);
    expect(sample(text, 'keel_resilience_circuit_state', { policy: 'llm', state: 'closed' })).toBe(0);
    expect(sample(text, 'keel_resilience_circuit_state', { policy: 'payments', state: 'closed' })).toBe(1);
    expect(sample(text, 'keel_resilience_bulkhead_running', { policy: 'llm' })).toBe(1);
    expect(sample(text, 'keel_resilience_wait_seconds_count', { policy: 'llm', type: 'retry' })).toBe(3);
    release();
    await held;

    const logs = test.logs().filter((line) => line.component === 'resilience');
    expect(logs.filter((line) => line.event === 'retry')).toHaveLength(3);
    expect(logs.find((line) => line.event === 'break')).toMatchObject({
      level: 40,
      policy: 'llm',
      msg: 'circuit opened',
    });
    expect(logs.find((line) => line.event === 'give_up')).toMatchObject({ reason: 'retries_exhausted', attempt: 4 });
  });

  it('lists, shows, isolates and resets breakers through the admin API, behind the admin guard', async () => {
    expect((await test.inject('GET', '/admin/resilience/breakers')).status).toBe(401);
    const list = await test.inject('GET', '/admin/resilience/breakers', { headers: admin });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      items: [
        { name: 'llm', state: 'open', critical: false, shared: false, lastFailure: 'Error: llm down' },
        { name: 'payments', state: 'closed', critical: true },
      ],
    });
    const isolated = await test.inject('POST', '/admin/resilience/breakers/payments/isolate', { headers: admin });
    expect(isolated.body).toMatchObject({ name: 'payments', state: 'isolated' });
    expect(policies.payments.state).toBe('isolated');
    await expect(policies.payments.execute(() => 'paid')).rejects.toMatchObject({ code: 'circuit_open' });
    const reset = await test.inject('POST', '/admin/resilience/breakers/payments/reset', { headers: admin });
    expect(reset.body).toMatchObject({ name: 'payments', state: 'closed' });
    await expect(policies.payments.execute(() => 'paid')).resolves.toBe('paid');
    const missing = await test.inject('POST', '/admin/resilience/breakers/nope/reset', { headers: admin });
    expect(missing.status).toBe(404);
    expect(missing.problem?.type).toBe('urn:keel:problem:not_found');
    const one = await test.inject('GET', '/admin/resilience/breakers/llm', { headers: admin });
    expect(one.body).toMatchObject({ name: 'llm', state: 'open' });
  });

  it('reports an open breaker in readiness: degraded, or down when critical', async () => {
    const ready = async () => {
      const response = await test.inject('GET', '/health/ready');
      return {
        status: response.status,
        body: response.body as { status: string; checks: Record<string, { status: string; error?: string }> },
      };
    };
    // llm (not critical) is open from the test above.
    let report = await ready();
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('degraded');
    expect(report.body.checks.resilience).toMatchObject({ status: 'down', error: 'circuit open: llm (open)' });
    expect(report.body.checks['resilience-critical']?.status).toBe('up');

    await policies.payments.execute(() => Promise.reject(new Error('payments down'))).catch(() => undefined);
    expect(policies.payments.state).toBe('open');
    report = await ready();
    expect(report.status).toBe(503);
    expect(report.body.status).toBe('down');
    expect(report.body.checks['resilience-critical']).toMatchObject({
      status: 'down',
      error: 'circuit open: payments (open)',
    });

    await policies.payments.reset();
    await policies.llm.reset();
    report = await ready();
    expect(report.body.status).toBe('ok');
  });
});
