import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createHttpServer, type HttpRoutes, type HttpServer, type HttpServerOptions } from './index.js';

const logger = createLogger({ level: 'silent' });

let slowStarted = 0;

const routes: HttpRoutes = async (app) => {
  app.get('/items/:id', { schema: { params: z.object({ id: z.coerce.number().int() }) } }, async (req) => ({
    id: req.params.id,
  }));
  app.post(
    '/items',
    {
      schema: {
        body: z.object({ name: z.string().min(1), count: z.number().int() }),
        querystring: z.object({ dryRun: z.enum(['yes', 'no']).optional() }),
      },
    },
    async (req, reply) => reply.status(201).send(req.body),
  );
  app.get('/conflict', async () => {
    throw new ConflictError('This email is already registered', { extensions: { field: 'email', status: 200 } });
  });
  app.get('/boom', async () => {
    throw Object.assign(new Error('relation "users" does not exist: select * from users'), { code: '42P01' });
  });
  app.get('/limited', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ ok: true }));
  app.get('/slow', async () => {
    slowStarted += 1;
    await sleep(300);
    return { done: true };
  });
};

async function startServer(options: HttpServerOptions = {}): Promise<{ service: Service; http: HttpServer }> {
  const service = new Service({ name: 'http-test', logger });
  const http = createHttpServer({ port: 0, ...options }).routes(routes);
  service.add(http);
  await service.start();
  return { service, http };
}

describe('HttpServer (inject)', () => {
  let service: Service;
  let http: HttpServer;
  beforeAll(async () => {
    ({ service, http } = await startServer({ corsOrigins: ['https://app.example'], openapi: { title: 'Items' } }));
  });
  afterAll(() => service.stop());

  it('answers routes with helmet headers and an optional trailing slash', async () => {
    for (const url of ['/items/12', '/items/12/']) {
      const res = await http.app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ id: 12 });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
    }
    expect((await http.app.inject('/health/live/')).statusCode).toBe(200);
  });

  it('honours a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await http.app.inject({ url: '/items/1', headers: { 'x-request-id': 'abc-123.x:y' } });
    expect(kept.headers['x-request-id']).toBe('abc-123.x:y');
    const replaced = await http.app.inject({ url: '/nope', headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.json().requestId).toBe(replaced.headers['x-request-id']);
    const generated = await http.app.inject('/items/1');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await http.app.inject({ url: '/nope?x=1', headers: { 'x-request-id': 'req-404' } });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-404');
    expect(res.json()).toEqual({
      type: 'urn:keel:problem:not_found',
      title: 'Not found',
      status: 404,
      detail: 'No route for GET /nope',
      instance: '/nope?x=1',
      requestId: 'req-404',
    });
  });

  it('lists each bad field of a schema mismatch, in body, query and params', async () => {
    const res = await http.app.inject({ method: 'POST', url: '/items', payload: { name: '', count: 1.5 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body).toMatchObject({ type: 'urn:keel:problem:validation', status: 400, title: 'Validation failed' });
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['count', 'name']);
    expect(body.errors.every((e: { location: string }) => e.location === 'body')).toBe(true);
    const query = await http.app.inject({
      method: 'POST',
      url: '/items?dryRun=maybe',
      payload: { name: 'a', count: 1 },
    });
    expect(query.json().errors).toEqual([{ location: 'query', path: 'dryRun', message: expect.any(String) }]);
    const params = await http.app.inject('/items/abc');
    expect(params.json().errors[0]).toMatchObject({ location: 'params', path: 'id' });
  });

  it('answers malformed JSON with a 400 problem and an unsupported type with 415', async () => {
    const res = await http.app.inject({
      method: 'POST',
      url: '/items',
      payload: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'urn:keel:problem:bad_request', status: 400, instance: '/items' });
    const media = await http.app.inject({
      method: 'POST',
      url: '/items',
      payload: 'x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(media.statusCode).toBe(415);
    expect(media.json().type).toBe('urn:keel:problem:unsupported_media_type');
  });

  it('sends KeelErrors with their extensions and hides unknown errors', async () => {
    const conflict = await http.app.inject('/conflict');
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({
      detail: 'This email is already registered',
      field: 'email',
      status: 409,
      type: 'urn:keel:problem:conflict',
    });
    const boom = await http.app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toMatch(/select|users|stack|42P01/);
    expect(boom.json()).toEqual({
      type: 'urn:keel:problem:internal',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred',
      instance: '/boom',
      requestId: expect.any(String),
    });
  });

  it('limits per route with a 429 problem and Retry-After, never /health or /metrics', async () => {
    expect((await http.app.inject('/limited')).statusCode).toBe(200);
    expect((await http.app.inject('/limited/')).statusCode).toBe(200);
    const limited = await http.app.inject('/limited');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ type: 'urn:keel:problem:rate_limited', status: 429 });
    expect(limited.json().retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.headers['x-request-id']).toBeDefined();
    for (let i = 0; i < 5; i += 1) {
      expect((await http.app.inject('/health/live')).statusCode).toBe(200);
      expect((await http.app.inject('/metrics')).statusCode).toBe(200);
    }
  });

  it('sends CORS headers for allowed origins only', async () => {
    const allowed = await http.app.inject({
      method: 'OPTIONS',
      url: '/items',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await http.app.inject({ url: '/items/1', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves OpenAPI JSON listing the routes and the docs page as HTML', async () => {
    const json = await http.app.inject('/docs/json');
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Items', version: '1.0.0' });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/items/{id}', '/items', '/slow']));
    expect(doc.paths['/items'].post.requestBody.content['application/json'].schema.required).toEqual(['name', 'count']);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/health') || p === '/metrics')).toBe(false);
    const page = await http.app.inject('/docs');
    const html = page.statusCode === 302 ? await http.app.inject(String(page.headers.location)) : page;
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('swagger-ui');
  });

  it('records request durations by route pattern, never the raw URL', async () => {
    await http.app.inject('/items/123');
    await http.app.inject('/items/456/');
    await http.app.inject('/does/not/exist/789');
    const text = (await http.app.inject('/metrics')).body;
    expect(text).toMatch(
      /keel_http_request_duration_seconds_count\{[^}]*method="GET",route="\/items\/:id",status_code="200"\}/,
    );
    expect(text).not.toContain('/items/123');
    expect(text).not.toContain('/does/not/exist');
    expect(text).toContain('route="(unmatched)"');
    expect(text).toContain('process_resident_memory_bytes');
  });
});

describe('HttpServer (loopback)', () => {
  it('refuses a body over the limit with a 413 problem', async () => {
    const { service, http } = await startServer({ bodyLimit: 1024 });
    try {
      const res = await fetch(`${http.url}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'big-1' },
        body: JSON.stringify({ name: 'x'.repeat(4096), count: 1 }),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('x-request-id')).toBe('big-1');
      expect(await res.json()).toMatchObject({ type: 'urn:keel:problem:payload_too_large', status: 413 });
    } finally {
      await service.stop();
    }
  });

  it('drains: new requests get 503 with Connection: close, probes answer, accepted ones finish', async () => {
    const { service, http } = await startServer();
    const base = http.url;
    const agent = new Agent({ connections: 64 });
    try {
      slowStarted = 0;
      const inFlight = Array.from({ length: 20 }, () => request(`${base}/slow`, { dispatcher: agent }));
      // Stop only once all 20 are accepted: any later one would rightly be refused.
      while (slowStarted < 20) await sleep(5);
      const stopping = service.stop('test');
      // A connection made in the drain's first loop turns may have been sent before it: it is served.
      await sleep(50);
      const fresh = { dispatcher: new Agent({ pipelining: 0 }) };
      const refused = await request(`${base}/items/1`, fresh);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers.connection).toBe('close');
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await refused.body.json()).toMatchObject({ type: 'urn:keel:problem:unavailable' });
      const ready = await request(`${base}/health/ready`, { dispatcher: new Agent() });
      expect(ready.statusCode).toBe(503);
      expect(await ready.body.json()).toMatchObject({ status: 'down', reason: 'shutting down' });
      const live = await request(`${base}/health/live`, { dispatcher: new Agent() });
      expect(live.statusCode).toBe(200);
      await live.body.dump();
      const done = await Promise.all(inFlight);
      expect(done.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
      await Promise.all(done.map((r) => r.body.json()));
      expect(await stopping).toEqual({ clean: true, abandoned: [], exitCode: 0 });
    } finally {
      await agent.close();
    }
  });

  it('keeps serving for SHUTDOWN_DELAY_MS with readiness already 503, then drains', async () => {
    const service = new Service({ name: 'delay', logger, shutdownGraceMs: 5000, shutdownDelayMs: 400 });
    const http = createHttpServer({ port: 0 }).routes(routes);
    service.add(http);
    await service.start();
    const base = http.url;
    const stopping = service.stop('test');
    const ready = await request(`${base}/health/ready`, { dispatcher: new Agent() });
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();
    // A fresh connection during the delay is served as usual, keep-alive included.
    const served = await request(`${base}/items/3`, { dispatcher: new Agent() });
    expect(served.statusCode).toBe(200);
    expect(served.headers.connection).not.toBe('close');
    await served.body.dump();
    expect(service.state).toBe('stopping');
    await sleep(600);
    const refused = await request(`${base}/items/3`, { dispatcher: new Agent({ pipelining: 0 }) }).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    // Past the delay: a 503 while the drain runs, or refused once the listener closed.
    if (refused instanceof Error)
      expect(refused.code ?? (refused.cause as NodeJS.ErrnoException)?.code).toMatch(/ECONNREFUSED/);
    else expect(refused.statusCode).toBe(503);
    expect(await stopping).toEqual({ clean: true, abandoned: [], exitCode: 0 });
  });

  it('never answers readiness 200 once the shutdown began, even from checks that started before it', async () => {
    const service = new Service({ name: 'ready-race', logger });
    service.health.register({ name: 'slow', check: () => sleep(150).then(() => undefined) });
    const http = createHttpServer({ port: 0 }).routes(routes);
    service.add(http);
    await service.start();
    const probe = request(`${http.url}/health/ready`, { dispatcher: new Agent() });
    await sleep(50);
    const stopping = service.stop('test');
    const answer = await probe;
    expect(answer.statusCode).toBe(503);
    expect(await answer.body.json()).toMatchObject({ status: 'down', reason: 'shutting down' });
    await stopping;
  });

  it('refuses a delay that is not shorter than the grace period', () => {
    expect(() => new Service({ name: 'x', logger, shutdownGraceMs: 1000, shutdownDelayMs: 1000 })).toThrow(
      /shutdownDelayMs must be shorter than shutdownGraceMs/,
    );
    expect(() => new Service({ name: 'x', logger, shutdownDelayMs: -1 })).toThrow(/shutdownDelayMs must be an integer/);
  });

  it('closes the half-built server when the port is taken', async () => {
    const { service: first, http } = await startServer();
    try {
      const port = Number(new URL(http.url).port);
      const second = new Service({ name: 'second', logger });
      second.add(createHttpServer({ port }));
      await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
      expect(second.state).toBe('stopped');
    } finally {
      await first.stop();
    }
  });
});
