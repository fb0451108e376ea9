import { describe, expect, it } from 'vitest';
import { eventually } from '../testing/index.js';
import type { HttpClientError } from './index.js';
import { client, rejection, server } from './test/harness.js';
import { json } from './test/servers.js';

describe('http-client deadlines and timeouts', () => {
  it('cuts a hanging server at the deadline, aborting the work: the server sees the socket close', async () => {
    // The handler's work never answers; its signal fires when the client goes away.
    const work = new AbortController();
    const origin = await server((_req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) work.abort();
      });
    });
    const http = client({ baseUrl: origin.url, timeoutMs: 100, retry: false });
    const started = performance.now();
    const error = (await rejection(http.request({ path: '/hang' }))) as HttpClientError;
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(1000);
    expect(error).toMatchObject({ code: 'external_service_timeout', status: 504, attempts: 1 });
    expect(error.message).toContain('no answer within its deadline of 100 ms');
    await eventually(() => work.signal.aborted, { timeoutMs: 2000 });
    expect(origin.log.closedAfterRequest).toBe(1);
  });

  it("honours the caller's signal: rejects with its reason and closes the connection", async () => {
    const origin = await server(() => {});
    const http = client({ baseUrl: origin.url, retry: false });
    const controller = new AbortController();
    const pending = rejection(http.request({ path: '/hang', signal: controller.signal }));
    await eventually(() => origin.log.requests === 1);
    const reason = new Error('user went away');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await eventually(() => origin.log.closedAfterRequest === 1, { timeoutMs: 2000 });
    // An already aborted signal sends nothing.
    expect(await rejection(http.request({ path: '/x', signal: controller.signal }))).toBe(reason);
    expect(origin.log.requests).toBe(1);
  });

  it('the deadline spans retries and their waits', async () => {
    const origin = await server((_req, res) => json(res, 500, {}));
    const http = client({
      baseUrl: origin.url,
      timeoutMs: 150,
      retry: { maxRetries: 50, baseDelayMs: 40, maxDelayMs: 40 },
    });
    const started = performance.now();
    const error = (await rejection(http.request({ path: '/flaky' }))) as HttpClientError;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(origin.log.requests).toBeGreaterThan(1);
    expect(origin.log.requests).toBeLessThan(50);
    expect(['external_service', 'external_service_timeout']).toContain(error.code);
    expect(error.retried).toBe(true);
  });

  it('a slow header is a timeout, retried for a GET', async () => {
    const origin = await server((_req, res) => {
      // undici's own timers tick about every 500 ms: the answer comes well after that.
      setTimeout(() => json(res, 200, {}), 2500).unref();
    });
    const http = client({ baseUrl: origin.url, headersTimeoutMs: 50, retry: { maxRetries: 1, baseDelayMs: 1 } });
    const error = (await rejection(http.request({ path: '/slow' }))) as HttpClientError;
    expect(origin.log.requests).toBe(2);
    expect(error).toMatchObject({ code: 'external_service_timeout', attempts: 2, retried: true });
    expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
  });

  it('a body that stalls is a timeout', async () => {
    const origin = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
    });
    const http = client({ baseUrl: origin.url, bodyTimeoutMs: 50, retry: false });
    const error = (await rejection(http.request({ path: '/slow-body' }))) as HttpClientError;
    expect(error).toMatchObject({ code: 'external_service_timeout', upstreamStatus: 200 });
    expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
  });

  it('a connection refused is a 502 that names the failure', async () => {
    const origin = await server(() => {});
    const url = origin.url;
    await origin.close();
    const http = client({ baseUrl: url, retry: { maxRetries: 1, baseDelayMs: 1 } });
    const error = (await rejection(http.request({ path: '/' }))) as HttpClientError;
    expect(error).toMatchObject({ code: 'external_service', attempts: 2 });
    expect(error.message).toContain('ECONNREFUSED');
  });
  it('ends each request at its own deadline, whatever the others in flight', async () => {
    const origin = await server(() => {}); // never answers
    const http = client({ baseUrl: origin.url, timeoutMs: 10_000, retry: false });
    const controller = new AbortController();
    const long = rejection(http.request({ path: '/long', signal: controller.signal }));
    const started = performance.now();
    const ends = await Promise.all(
      [300, 100, 200].map(async (timeoutMs) => {
        const error = (await rejection(http.request({ path: `/t${timeoutMs}`, timeoutMs }))) as HttpClientError;
        expect(error.message).toContain(`no answer within its deadline of ${timeoutMs} ms`);
        return performance.now() - started;
      }),
    );
    // Each ended at or after its own deadline (a timer never fires early), none held back to another's.
    [300, 100, 200].forEach((timeoutMs, i) => {
      expect(ends[i]).toBeGreaterThanOrEqual(timeoutMs - 2);
    });
    expect(ends[1]).toBeLessThan(ends[0]!);
    // The long one is still in flight until its caller gives up.
    expect(origin.log.open).toBeGreaterThanOrEqual(1);
    controller.abort(new Error('enough'));
    expect(((await long) as Error).message).toBe('enough');
  });
});
