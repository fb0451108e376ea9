import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/index.js';
import {
  circuitBreaker,
  fallback,
  type ResilienceEvent,
  ResilienceRegistry,
  retry,
} from '../../src/resilience/index.js';
import { Store } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

describe('ResilienceRegistry', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(() => database.drop());

  it('adds policies made elsewhere and refuses what is not one, or a second of the same type and name', () => {
    const registry = new ResilienceRegistry({ metrics: new MetricsRegistry({ defaultMetrics: false }) });
    const mine = registry.add(retry({ name: 'http:payments' }));
    expect(registry.get('retry', 'http:payments')).toBe(mine);
    expect(registry.add(fallback(() => 0, { name: 'http:payments' })).name).toBe('http:payments');
    expect(() => registry.add(retry({ name: 'http:payments' }))).toThrow(
      /already a retry policy named "http:payments"/,
    );
    expect(() => registry.add({ execute: async () => 1 } as never)).toThrow(/a policy made by keel\/resilience/);
  });

  it('refuses a shared breaker without a store, and a bad store', () => {
    expect(() => new ResilienceRegistry().circuitBreaker('llm', { shared: true })).toThrow(
      /shared circuit breaker "llm" needs a registry with a store/,
    );
    expect(() => circuitBreaker({ name: 'llm', shared: true })).toThrow(/a shared breaker needs a store/);
    expect(() => circuitBreaker({ shared: { store: {} as never } })).toThrow(
      /circuitBreaker "circuit-breaker": shared: store must be a Store/,
    );
  });

  it('keeps a shared breaker working alone while its store is unreachable, reporting it', async () => {
    // A store that never started: every read and write of the shared state fails.
    const store = new Store<unknown>(database.options);
    const registry = new ResilienceRegistry({ store, logger: pino({ level: 'silent' }) });
    const breaker = registry.circuitBreaker('llm', {
      shared: true,
      minimumCalls: 1,
      breaker: { kind: 'consecutive', failures: 1 },
      halfOpenAfterMs: 50,
    });
    const events: ResilienceEvent[] = [];
    breaker.onEvent((event) => events.push(event));
    await expect(breaker.execute(() => 'ok')).resolves.toBe('ok');
    await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    await expect(breaker.execute(() => 'refused')).rejects.toMatchObject({ code: 'circuit_open' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // The lease cannot be taken from the store: this instance probes on its own.
    await expect(breaker.execute(() => 'probe')).resolves.toBe('probe');
    expect(breaker.state).toBe('closed');
    expect(events.some((event) => event.kind === 'sync_error')).toBe(true);
    expect(events.filter((event) => event.kind !== 'sync_error').map((event) => event.kind)).toEqual([
      'break',
      'circuit_reject',
      'half_open',
      'reset',
    ]);
  });
});
