import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ResilienceRegistry } from '../resilience/index.js';
import { eventually } from '../testing/index.js';
import { ExternalServiceError, HttpClientError } from './index.js';
import { policyName } from './origin.js';
import { client, rejection, server } from './test/harness.js';
import { json } from './test/servers.js';

const Ok = z.object({ ok: z.boolean() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A server that answers 500 while `failing`, else holds each answer until released (to send
// concurrent probes), or answers 200 at once.
async function switchable() {
  const state = { failing: true, hold: false, held: [] as ServerResponse[] };
  const origin = await server((_req, res) => {
    if (state.failing) json(res, 500, { error: 'down' });
    else if (state.hold) state.held.push(res);
    else json(res, 200, { ok: true });
  });
  const release = () => {
    for (const res of state.held.splice(0)) json(res, 200, { ok: true });
  };
  return { origin, state, release };
}

const breakerOptions = {
  breaker: { kind: 'consecutive', failures: 3 },
  minimumCalls: 3,
  halfOpenAfterMs: 300,
  halfOpenProbes: 2,
} as const;

describe('http-client policies per origin', () => {
  it('opens its breaker after the threshold; while open no request reaches the server', async () => {
    const { origin } = await switchable();
    const resilience = new ResilienceRegistry();
    const http = client({
      name: 'partner',
      baseUrl: origin.url,
      retry: false,
      circuitBreaker: breakerOptions,
      resilience,
    });
    const breaker = resilience.breaker(policyName('partner', origin.origin))!;
    expect(breaker.name).toBe(`partner:${new URL(origin.origin).host}`);
    for (let i = 0; i < 2; i++) await rejection(http.request({ path: '/x' }));
    expect(breaker.state).toBe('closed');
    await rejection(http.request({ path: '/x' }));
    expect(breaker.state).toBe('open');
    expect(origin.log.requests).toBe(3);
    for (let i = 0; i < 10; i++) {
      const refused = (await rejection(http.getJson('/x', Ok))) as HttpClientError;
      expect(refused).toBeInstanceOf(ExternalServiceError);
      expect(refused).toMatchObject({ code: 'external_service_unavailable', status: 503, attempts: 0, retried: false });
      expect(refused.message).toMatch(/circuit/i);
    }
    // Counted on the server: nothing was sent while the circuit was open.
    expect(origin.log.requests).toBe(3);
  });

  it('half-opens after its break with the configured probes, then closes when they succeed', async () => {
    const { origin, state, release } = await switchable();
    const http = client({
      baseUrl: origin.url,
      retry: false,
      circuitBreaker: breakerOptions,
      resilience: new ResilienceRegistry(),
    });
    for (let i = 0; i < 3; i++) await rejection(http.request({ path: '/x' }));
    const opened = performance.now();
    state.failing = false;
    state.hold = true;
    // Before the break ends, still refused.
    await rejection(http.request({ path: '/early' }));
    expect(origin.log.requests).toBe(3);
    await sleep(300 - (performance.now() - opened) + 20);
    // Five at once: the two probes reach the server, the other three are refused without being sent.
    const calls = Array.from({ length: 5 }, () =>
      http.getJson('/probe', Ok).then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    await eventually(() => origin.log.requests === 5);
    await sleep(50);
    expect(origin.log.requests).toBe(5);
    release();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    const refused = outcomes.filter((o) => o !== 'ok') as HttpClientError[];
    expect(refused).toHaveLength(3);
    for (const error of refused) expect(error).toMatchObject({ code: 'external_service_unavailable', attempts: 0 });
    // Both probes passed: closed, and every request goes through again.
    state.hold = false;
    await Promise.all(Array.from({ length: 4 }, () => http.getJson('/after', Ok)));
    expect(origin.log.requests).toBe(9);
  });

  it('re-opens when a probe fails, and again sends nothing until the next break ends', async () => {
    const { origin } = await switchable();
    const resilience = new ResilienceRegistry();
    const http = client({
      name: 'p',
      baseUrl: origin.url,
      retry: false,
      circuitBreaker: { ...breakerOptions, halfOpenProbes: 1 },
      resilience,
    });
    const breaker = resilience.breaker(policyName('p', origin.origin))!;
    for (let i = 0; i < 3; i++) await rejection(http.request({ path: '/x' }));
    await sleep(320);
    expect(breaker.state).toBe('half-open');
    const probe = (await rejection(http.request({ path: '/probe' }))) as HttpClientError;
    expect(probe).toMatchObject({ upstreamStatus: 500, attempts: 1 });
    expect(origin.log.requests).toBe(4);
    expect(breaker.state).toBe('open');
    for (let i = 0; i < 5; i++) await rejection(http.request({ path: '/x' }));
    expect(origin.log.requests).toBe(4);
  });

  it('counts each attempt of a retried request; the retry stops when the circuit opens', async () => {
    const { origin } = await switchable();
    const http = client({
      baseUrl: origin.url,
      retry: { maxRetries: 5, baseDelayMs: 1 },
      circuitBreaker: breakerOptions,
    });
    const error = (await rejection(http.getJson('/x', Ok))) as HttpClientError;
    expect(origin.log.requests).toBe(3);
    expect(error).toMatchObject({ code: 'external_service_unavailable', attempts: 3, retried: true });
  });

  it('never counts a 4xx, a body too large or an abort by the caller against the origin', async () => {
    const origin = await server((req, res) => {
      if (req.url === '/big') json(res, 200, { blob: 'x'.repeat(2000) });
      else if (req.url === '/hang') return;
      else json(res, 404, {});
    });
    const resilience = new ResilienceRegistry();
    const http = client({
      name: 'c',
      baseUrl: origin.url,
      retry: false,
      maxResponseBytes: 1000,
      circuitBreaker: { breaker: { kind: 'consecutive', failures: 1 }, minimumCalls: 1 },
      resilience,
    });
    for (let i = 0; i < 3; i++) await rejection(http.request({ path: '/gone' }));
    await rejection(http.request({ path: '/big' }));
    const controller = new AbortController();
    const aborted = rejection(http.request({ path: '/hang', signal: controller.signal }));
    await eventually(() => origin.log.requests === 5);
    controller.abort(new Error('gone'));
    await aborted;
    expect(resilience.breaker(policyName('c', origin.origin))!.state).toBe('closed');
    // A deadline passed does count: the origin did not answer in time.
    await rejection(http.request({ path: '/hang', timeoutMs: 50 }));
    expect(resilience.breaker(policyName('c', origin.origin))!.state).toBe('open');
  });

  it('keeps at most its bulkhead limit in flight per origin, queues a few and refuses the rest', async () => {
    const held: ServerResponse[] = [];
    let mostAtOnce = 0;
    const origin = await server((_req, res) => {
      held.push(res);
      mostAtOnce = Math.max(mostAtOnce, held.length);
    });
    const http = client({ baseUrl: origin.url, retry: false, bulkhead: { limit: 2, queue: 1 } });
    const calls = Array.from({ length: 4 }, () =>
      http.getJson('/x', Ok).then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    const refused = (await Promise.race(calls)) as HttpClientError;
    expect(refused).toMatchObject({ code: 'external_service_unavailable', attempts: 0 });
    expect(refused.message).toMatch(/bulkhead/i);
    await eventually(() => origin.log.requests === 2);
    for (const res of held.splice(0)) json(res, 200, { ok: true });
    // The queued one goes once a slot frees.
    await eventually(() => origin.log.requests === 3);
    for (const res of held.splice(0)) json(res, 200, { ok: true });
    expect((await Promise.all(calls)).filter((o) => o === 'ok')).toHaveLength(3);
    expect(mostAtOnce).toBe(2);
  });

  it('joins the registry under per-origin names, refusing a second client of the same name', async () => {
    const a = await server((_req, res) => json(res, 200, { ok: true }));
    const b = await server((_req, res) => json(res, 200, { ok: true }));
    const resilience = new ResilienceRegistry();
    const http = client({ name: 'multi', baseUrl: a.url, resilience, circuitBreaker: {}, bulkhead: { limit: 4 } });
    await http.getJson(`${b.origin}/x`, Ok);
    expect(resilience.breakers().map((breaker) => breaker.name)).toEqual(
      [policyName('multi', a.origin), policyName('multi', b.origin)].sort(),
    );
    expect(resilience.get('retry', policyName('multi', a.origin))).toBeDefined();
    expect(resilience.get('bulkhead', policyName('multi', b.origin))).toBeDefined();
    expect(() => client({ name: 'multi', baseUrl: a.url, resilience })).toThrow(/already a .* policy named "multi:/);
    // Bad policy options are refused at creation, with or without a base URL.
    expect(() => client({ retry: { maxRetries: -1 } })).toThrow(/maxRetries/);
    expect(() => client({ baseUrl: a.url, circuitBreaker: { halfOpenProbes: 0 } })).toThrow(/halfOpenProbes/);
    expect(HttpClientError.prototype).toBeInstanceOf(ExternalServiceError);
  });
});
