import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ResilienceRegistry } from '../resilience/index.js';
import { HttpClientError } from './index.js';
import { policyName } from './origin.js';
import { client, closeAfter, rejection, server } from './test/harness.js';
import { json, rawJson, startRawServer } from './test/servers.js';

const Ok = z.object({ ok: z.boolean() });
const fast = { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 40 };

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function gaps(arrivals: number[]): number[] {
  return arrivals.slice(1).map((at, i) => at - arrivals[i]!);
}

describe('http-client retries', () => {
  it('retries a GET through 500s and resets, its waits within the configured bounds', async () => {
    // 500, reset, 503, then 200: four attempts, three waits. Every answer closes its connection, so
    // the reset is on a fresh one (a reset on a reused one is the keep-alive race, resent at once).
    const close = { connection: 'close' };
    const origin = await server((req, res, n) => {
      if (n === 2) req.socket.resetAndDestroy();
      else if (n < 4) json(res, n === 1 ? 500 : 503, { n }, close);
      else json(res, 200, { ok: true }, close);
    });
    const resilience = new ResilienceRegistry();
    const bounds = { maxRetries: 3, baseDelayMs: 60, maxDelayMs: 150 };
    const http = client({ name: 'flaky', baseUrl: origin.url, retry: bounds, resilience });
    const waits: number[] = [];
    resilience.get('retry', policyName('flaky', origin.origin))!.onEvent((event) => {
      if (event.kind === 'retry') waits.push(event.delayMs!);
    });
    await expect(http.getJson('/thing', Ok)).resolves.toEqual({ ok: true });
    expect(origin.log.requests).toBe(4);
    // Retry n waits between half and all of min(maxDelayMs, baseDelayMs * 2^(n-1)): 60, 120, 150.
    expect(waits).toHaveLength(3);
    [60, 120, 150].forEach((full, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(full / 2);
      expect(waits[i]).toBeLessThanOrEqual(full);
    });
    // The server saw them: each gap at least its wait (a timer never fires early), none a hang.
    gaps(origin.log.arrivals).forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(waits[i]! - 2);
      expect(gap).toBeLessThan(waits[i]! + 2000);
    });
  });

  it('gives up after maxRetries with a typed error that tells it retried', async () => {
    const origin = await server((_req, res) => json(res, 502, { error: 'upstream down' }));
    const http = client({ baseUrl: origin.url, retry: { ...fast, maxRetries: 2 } });
    const error = (await rejection(http.getJson('/thing?token=s3cret', Ok))) as HttpClientError;
    expect(origin.log.requests).toBe(3);
    expect(error).toBeInstanceOf(HttpClientError);
    expect(error).toMatchObject({
      code: 'external_service',
      status: 502,
      origin: origin.origin,
      method: 'GET',
      path: '/thing',
      upstreamStatus: 502,
      retried: true,
      attempts: 3,
      bodyExcerpt: '{"error":"upstream down"}',
    });
    // The query (which may hold credentials) never reaches the message.
    expect(error.message).toBe(`GET ${origin.origin}/thing: answered 502 after 3 attempts`);
  });

  it('sends a POST without an idempotency key exactly once, and says why it was not retried', async () => {
    const origin = await server((_req, res) => json(res, 503, {}));
    const http = client({ baseUrl: origin.url, retry: fast });
    const error = (await rejection(http.postJson('/charges', { amount: 5 }, Ok))) as HttpClientError;
    expect(origin.log.requests).toBe(1);
    expect(error).toMatchObject({ code: 'external_service_unavailable', status: 503, retried: false, attempts: 1 });
    expect(error.message).toContain('not retried: a POST without an idempotency key');
  });

  it('retries a POST that carries an idempotency key, sending the key each time', async () => {
    const origin = await server((_req, res, n) => (n < 3 ? json(res, 503, {}) : json(res, 200, { ok: true })));
    const http = client({ baseUrl: origin.url, retry: fast });
    await expect(http.postJson('/charges', { amount: 5 }, Ok, { idempotencyKey: 'order-7' })).resolves.toEqual({
      ok: true,
    });
    expect(origin.log.requests).toBe(3);
    expect(origin.log.headers.map((h) => h['idempotency-key'])).toEqual(['order-7', 'order-7', 'order-7']);
    expect(origin.log.bodies).toEqual(['{"amount":5}', '{"amount":5}', '{"amount":5}']);
  });

  it('never resends a streamed body, and says so', async () => {
    const origin = await server((_req, res) => json(res, 503, {}));
    const http = client({ baseUrl: origin.url, retry: fast });
    const body = Readable.from([Buffer.from('part one,'), Buffer.from('part two')]);
    const error = (await rejection(http.request({ method: 'PUT', path: '/upload', body }))) as HttpClientError;
    expect(origin.log.requests).toBe(1);
    expect(origin.log.bodies).toEqual(['part one,part two']);
    expect(error.message).toContain('not retried: the body is a stream');
  });

  it('does not retry a 4xx, nor when the request opts out', async () => {
    const origin = await server((_req, res, n) => json(res, n === 1 ? 404 : 500, {}));
    const http = client({ baseUrl: origin.url, retry: fast });
    const missing = (await rejection(http.getJson('/gone', Ok))) as HttpClientError;
    expect(missing).toMatchObject({ code: 'external_service', upstreamStatus: 404, attempts: 1 });
    await rejection(http.request({ path: '/once', retry: false }));
    expect(origin.log.requests).toBe(2);
  });

  it('waits a Retry-After within its cap before retrying', async () => {
    const origin = await server((_req, res, n) =>
      n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { ok: true }),
    );
    const http = client({ baseUrl: origin.url, retry: { ...fast, maxRetryAfterMs: 2000 } });
    await expect(http.getJson('/limited', Ok)).resolves.toEqual({ ok: true });
    const [gap] = gaps(origin.log.arrivals);
    // Asked 1 s: it waited that, not its 10-20 ms backoff (a timer never fires early).
    expect(gap).toBeGreaterThanOrEqual(995);
    expect(gap).toBeLessThan(5000);
  });

  it('fails at once, without waiting, on a Retry-After over its cap', async () => {
    const origin = await server((_req, res) => json(res, 503, {}, { 'retry-after': '3' }));
    const http = client({ baseUrl: origin.url, retry: { ...fast, maxRetryAfterMs: 150 } });
    const started = performance.now();
    const error = (await rejection(http.getJson('/limited', Ok))) as HttpClientError;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(origin.log.requests).toBe(1);
    expect(error).toMatchObject({
      code: 'external_service_unavailable',
      upstreamStatus: 503,
      attempts: 1,
      retried: false,
    });
    expect(error.message).toContain('its Retry-After of 3000 ms is over the cap of 150 ms');
  });

  it('fails at once when Retry-After would pass the deadline, instead of waiting', async () => {
    const origin = await server((_req, res) => json(res, 429, {}, { 'retry-after': '5' }));
    const http = client({ baseUrl: origin.url, retry: fast, timeoutMs: 1000 });
    const started = performance.now();
    const error = (await rejection(http.getJson('/limited', Ok))) as HttpClientError;
    expect(performance.now() - started).toBeLessThan(900);
    expect(origin.log.requests).toBe(1);
    expect(error).toMatchObject({ code: 'external_service_unavailable', upstreamStatus: 429 });
    expect(error.message).toContain('Retry-After of 5000 ms passes the deadline');
  });

  for (const how of ['close', 'reset'] as const) {
    it(`resends once a request whose kept-alive socket the server ${how}s as it arrives`, async () => {
      // Raw sockets: the first request on each connection is answered and kept alive; the second
      // one on a connection is met with the socket's end, the keep-alive race.
      const origin = closeAfter(
        await startRawServer((socket, _n, onSocket) => {
          if (onSocket === 1) rawJson(socket, '{"ok":true}');
          else if (how === 'reset') socket.resetAndDestroy();
          else socket.destroy();
        }),
      );
      // Retries off: the keep-alive race is resent even so, once.
      const http = client({ baseUrl: origin.url, retry: false });
      await expect(http.getJson('/a', Ok)).resolves.toEqual({ ok: true });
      // undici checks an idle socket for a turn of the event loop before reusing it.
      await settle();
      await expect(http.getJson('/b', Ok)).resolves.toEqual({ ok: true });
      expect(origin.log.requests).toBe(3);
      expect(origin.log.opened).toBe(2);
      // A POST without a key is not resent: it may have been processed.
      await settle();
      const post = (await rejection(http.postJson('/c', {}, Ok))) as HttpClientError;
      expect(post).toMatchObject({ code: 'external_service', attempts: 1 });
      expect(origin.log.requests).toBe(4);
    });
  }
  it('resends the keep-alive race once only: when the resend fails too, the request fails', async () => {
    // The first request is answered and kept alive; every later one is met with a reset, the
    // resend (on a fresh socket) included.
    const origin = closeAfter(
      await startRawServer((socket, n) => {
        if (n === 1) rawJson(socket, '{"ok":true}');
        else socket.resetAndDestroy();
      }),
    );
    const http = client({ baseUrl: origin.url, retry: false });
    await http.getJson('/a', Ok);
    await settle();
    const error = (await rejection(http.getJson('/b', Ok))) as HttpClientError;
    expect(error).toMatchObject({ code: 'external_service', attempts: 2, retried: true });
    expect(error.message).toContain('connection failed');
    expect(origin.log.requests).toBe(3);
    expect(origin.log.opened).toBe(2);
  });

  it('carries on when the server closes its idle kept-alive connections', async () => {
    const origin = await server((_req, res) => json(res, 200, { ok: true }));
    // node:http closes a connection idle this long; undici is told by the Keep-Alive header too.
    origin.server.keepAliveTimeout = 50;
    const http = client({ baseUrl: origin.url, retry: false });
    await http.getJson('/a', Ok);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(origin.log.closedAfterRequest).toBe(1);
    await expect(http.getJson('/b', Ok)).resolves.toEqual({ ok: true });
    expect(origin.log.requests).toBe(2);
    expect(origin.log.opened).toBe(2);
  });
});
