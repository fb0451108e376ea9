import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../errors/index.js';
import { MetricsRegistry } from '../metrics/index.js';
import { createHttpClient, type HttpClientError } from './index.js';
import { client, rejection, server } from './test/harness.js';
import { lintExposition } from './test/prom-lint.js';
import { json } from './test/servers.js';

const User = z.object({ id: z.number(), name: z.string() });

describe('http-client', () => {
  it('resolves paths against the base URL, sends default headers, auth and query, and validates JSON', async () => {
    const origin = await server((_req, res) => json(res, 200, { id: 7, name: 'Ada' }));
    let token = 0;
    const http = client({
      baseUrl: `${origin.url}v1/`,
      headers: { 'User-Agent': 'planner' },
      auth: { bearer: () => `t${++token}` },
    });
    await expect(
      http.getJson('/users/7', User, { query: { fields: ['id', 'name'], skip: undefined } }),
    ).resolves.toEqual({
      id: 7,
      name: 'Ada',
    });
    await http.getJson('users/8', User, { headers: { 'X-Trace': 'abc' } });
    expect(origin.log.urls).toEqual(['/v1/users/7?fields=id&fields=name', '/v1/users/8']);
    expect(origin.log.headers[0]).toMatchObject({
      'user-agent': 'planner',
      authorization: 'Bearer t1',
      accept: 'application/json',
    });
    expect(origin.log.headers[1]).toMatchObject({ authorization: 'Bearer t2', 'x-trace': 'abc' });
    const basic = client({ baseUrl: origin.url, auth: { basic: { username: 'u', password: 'p' } } });
    await basic.request({ path: '/' });
    expect(origin.log.headers[2]?.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('answers a body that does not match its schema with a 502 naming the fields', async () => {
    const origin = await server((req, res) => {
      if (req.url === '/text') res.end('not json');
      else json(res, 200, { id: 'seven' });
    });
    const http = client({ baseUrl: origin.url });
    const error = (await rejection(http.getJson('/users/7', User))) as HttpClientError;
    expect(error).toMatchObject({ code: 'external_service', status: 502, upstreamStatus: 200, retried: false });
    expect(error.message).toContain('does not match its schema: id: ');
    expect(error.message).toContain('name: ');
    const notJson = (await rejection(http.getJson('/text', User))) as HttpClientError;
    expect(notJson.message).toContain('a body that is not JSON');
    expect(notJson.bodyExcerpt).toBe('not json');
  });

  it('returns an error status instead of throwing when asked, and talks to other origins from absolute URLs', async () => {
    const a = await server((_req, res) => json(res, 404, { missing: true }));
    const b = await server((_req, res) => json(res, 200, { from: 'b' }));
    const http = client({ baseUrl: a.url });
    const response = await http.request({ path: '/gone', throwOnStatus: false });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ missing: true });
    const other = await http.request({ path: `${b.origin}/x?y=1` });
    expect(other.json()).toEqual({ from: 'b' });
    expect(b.log.urls).toEqual(['/x?y=1']);
    const bare = client({});
    await expect(bare.request({ path: '/relative' })).rejects.toThrow(
      'a relative path needs the client to have a baseUrl',
    );
  });

  it('checks its options once, at creation', () => {
    expect(() => createHttpClient({ baseUrl: 'ftp://files.example' })).toThrow(UsageError);
    expect(() => createHttpClient({ connections: 0 })).toThrow('connections must be 1 or more');
    expect(() => createHttpClient({ timeoutMs: 1.5 })).toThrow('timeoutMs must be a whole number of ms');
    expect(() => createHttpClient({ headers: { 'bad header': 'x' } })).toThrow(UsageError);
  });

  it('counts attempts by status class and duration per origin, samples its pool, and lints clean', async () => {
    const origin = await server((req, res) => json(res, req.url === '/fail' ? 500 : 200, {}));
    const metrics = new MetricsRegistry({ defaultMetrics: false });
    const http = client({ name: 'partner', baseUrl: origin.url, metrics, retry: { maxRetries: 1, baseDelayMs: 1 } });
    await http.request({ path: '/ok' });
    await http.request({ path: '/ok' });
    await rejection(http.request({ path: '/fail' }));
    const text = await metrics.text();
    const labels = `client="partner",origin="${origin.origin}"`;
    expect(text).toContain(`keel_http_client_requests_total{${labels},method="GET",status_class="2xx"} 2`);
    expect(text).toContain(`keel_http_client_requests_total{${labels},method="GET",status_class="5xx"} 2`);
    expect(text).toContain(`keel_http_client_request_duration_seconds_count{${labels},method="GET"} 4`);
    expect(text).toContain(`keel_http_client_retries_total{${labels},reason="status"} 1`);
    expect(text).toContain(`keel_http_client_pool_connections{${labels},state="idle"} 1`);
    expect(text).toContain(`keel_http_client_pool_queued_requests{${labels}} 0`);
    const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
    expect([...names].every((name) => name?.startsWith('keel_http_client_'))).toBe(true);
    expect(lintExposition(text)).toEqual([]);
    // The lint finds what promtool would.
    expect(lintExposition('# HELP a_seconds x\n# TYPE a_seconds counter\na_seconds 1\n')).toEqual([
      'a_seconds: counter names should end in _total',
    ]);
  });

  it('logs attempts at debug with credentials in headers and query redacted', async () => {
    const origin = await server((_req, res) => json(res, 200, {}));
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const http = client({ baseUrl: origin.url, logger, headers: { 'x-api-key': 'k-123' }, auth: { bearer: 'b-456' } });
    await http.request({
      path: '/search',
      query: { q: 'cats', access_token: 't-789', 'X-Amz-Signature': 's-0', page: 2 },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const [line] = lines;
    expect(line).toMatchObject({
      msg: 'http client attempt',
      method: 'GET',
      status: 200,
      url: `${origin.origin}/search?q=cats&access_token=[redacted]&X-Amz-Signature=[redacted]&page=2`,
      headers: { 'x-api-key': '[redacted]', authorization: '[redacted]' },
    });
    expect(JSON.stringify(lines)).not.toMatch(/k-123|b-456|t-789|s-0/);
    // At info, nothing of a request is built or logged.
    const quiet: unknown[] = [];
    const info = client({
      baseUrl: origin.url,
      logger: pino(
        { level: 'info' },
        new Writable({
          write: (chunk, _encoding, done) => {
            quiet.push(chunk);
            done();
          },
        }),
      ),
    });
    await info.request({ path: '/x' });
    expect(quiet).toEqual([]);
  });
  it('rewrites a path holding a credential with redactPath, in log lines and errors alike', async () => {
    const origin = await server((_req, res) =>
      json(res, 400, { ok: false, description: 'Bad Request: chat not found' }),
    );
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const http = client({
      baseUrl: origin.url,
      logger: pino({ level: 'debug' }, sink),
      redactPath: (path) => path.replace(/^\/bot[^/]+/, '/bot[redacted]'),
    });
    const error = (await rejection(
      http.request({ method: 'POST', path: '/bot123:SECRET/sendMessage?x=1', json: {} }),
    )) as HttpClientError;
    expect(origin.log.urls).toEqual(['/bot123:SECRET/sendMessage?x=1']);
    expect(error.path).toBe('/bot[redacted]/sendMessage');
    expect(error.message).toBe(`POST ${origin.origin}/bot[redacted]/sendMessage: answered 400`);
    expect(error.bodyExcerpt).toContain('chat not found');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.join('')).toContain('/bot[redacted]/sendMessage?x=1');
    expect(lines.join('')).not.toContain('SECRET');
  });
});
