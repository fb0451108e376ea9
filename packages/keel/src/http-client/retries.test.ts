import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HttpClientError } from './index.js';
import { client, closeAfter, rejection, server } from './test/harness.js';
import { json, rawJson, startRawServer } from './test/servers.js';

const Ok = z.object({ ok: z.boolean() });
const fast = { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 40 };

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function gaps(arrivals: number[]): number[] {
  return arrivals.slice(1).map((at, i) => at - arrivals[i]!);
}

describe('http-client retries', () => {
  it('retries a GET through 500s, its waits within the configured bounds', async () => {
    const origin = await server((_req, res, n) => (n < 3 ? json(res, 500, { n }) : json(res, 200, { ok: true })));
    const http = client({ baseUrl: origin.url, retry: fast });
    await expect(http.getJson('/thing', Ok)).resolves.toEqual({ ok: true });
    expect(origin.log.requests).toBe(3);
    // Jittered exponential waits never exceed maxDelayMs (slack for the loop and the round trip).
    for (const gap of gaps(origin.log.arrivals)) expect(gap).toBeLessThan(fast.maxDelayMs + 150);
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

  it('honours Retry-After up to its cap', async () => {
    const origin = await server((_req, res, n) =>
      n === 1 ? json(res, 429, {}, { 'retry-after': '3' }) : json(res, 200, { ok: true }),
    );
    const http = client({ baseUrl: origin.url, retry: { ...fast, retryAfterCapMs: 150 } });
    await expect(http.getJson('/limited', Ok)).resolves.toEqual({ ok: true });
    const [gap] = gaps(origin.log.arrivals);
    // Asked 3 s, capped at 150 ms: it waited the cap, not the jittered backoff nor the full 3 s.
    expect(gap).toBeGreaterThanOrEqual(140);
    expect(gap).toBeLessThan(1500);
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
});
