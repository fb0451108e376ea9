import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, UsageError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createHttpServer, defineAdminRoutes, type HttpServer } from './index.js';

const counterAdminRoutes = defineAdminRoutes<{ value: number }>({
  capability: 'counter',
  routes: (app, counter) => {
    app.get(
      '/value',
      { schema: { summary: 'The value', response: { 200: z.object({ value: z.number() }) } } },
      async () => ({
        value: counter.value,
      }),
    );
    app.post('/reset', { schema: { response: { 204: z.null() } } }, async (_request, reply) => {
      counter.value = 0;
      return reply.status(204).send(null);
    });
  },
  aliases: [{ method: 'GET', path: '/counter_value', of: '/value' }],
});

const guard = async (request: { headers: Record<string, unknown> }): Promise<void> => {
  if (request.headers['x-admin'] !== 'yes') throw new ForbiddenError('admins only');
};

describe('defineAdminRoutes', () => {
  const service = new Service({ name: 'admin-test', logger: createLogger({ level: 'silent' }) });
  let http: HttpServer;
  const counter = { value: 7 };
  beforeAll(async () => {
    http = createHttpServer({ port: 0, checkResponses: true })
      .routes(counterAdminRoutes(counter, { guard }))
      .routes(counterAdminRoutes(counter, { guard, prefix: '/ops/' }));
    service.add(http);
    await service.start();
  });
  afterAll(() => service.stop());

  it('serves routes at <prefix>/<capability>/…, behind the guard, with a documented alias', async () => {
    for (const url of ['/admin/counter/value', '/admin/counter_value', '/ops/counter/value']) {
      expect((await http.app.inject(url)).statusCode, url).toBe(403);
      const allowed = await http.app.inject({ url, headers: { 'x-admin': 'yes' } });
      expect(allowed.json(), url).toEqual({ value: 7 });
    }
    const reset = await http.app.inject({ method: 'POST', url: '/admin/counter/reset', headers: { 'x-admin': 'yes' } });
    expect(reset.statusCode).toBe(204);
    expect(counter.value).toBe(0);
  });

  it('documents every admin route, tagged, with the guard answers', async () => {
    const docs = (await http.app.inject('/docs/json')).json() as {
      paths: Record<string, Record<string, { tags: string[]; summary?: string; responses: Record<string, unknown> }>>;
    };
    for (const path of ['/admin/counter/value', '/admin/counter_value', '/admin/counter/reset', '/ops/counter/value']) {
      const operation = Object.values(docs.paths[path] ?? {})[0];
      expect(operation?.tags, path).toEqual(['counter admin']);
      expect(Object.keys(operation?.responses ?? {}), path).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(docs.paths['/admin/counter_value']?.get?.summary).toBe('The value (alias of /admin/counter/value)');
  });

  it('refuses options that can never work as misuse (500), not as a client error', () => {
    expect(() => counterAdminRoutes(counter, {} as never)).toThrow(UsageError);
    expect(() => counterAdminRoutes(counter, { guard, prefix: 'admin' })).toThrow(/prefix must be a path/);
    const broken = defineAdminRoutes<null>({
      capability: 'broken',
      routes: () => undefined,
      aliases: [{ method: 'GET', path: '/x', of: '/missing' }],
    });
    const server = createHttpServer({ port: 0 }).routes(broken(null, { guard }));
    const failing = new Service({ name: 'broken', logger: createLogger({ level: 'silent' }) }).add(server);
    return expect(failing.start()).rejects.toThrow(/alias \/x names no route GET \/admin\/broken\/missing/);
  });
});

describe('HttpServer routes and principal', () => {
  it('refuses bad server options as misuse, listing every problem', () => {
    expect(() => createHttpServer({ port: 70_000, bodyLimit: 0 })).toThrow(
      /createHttpServer: port .*; bodyLimit must be 1 or more/,
    );
    expect(() => createHttpServer({ checkResponses: true, docs: false })).toThrow(UsageError);
  });

  it('mounts routes under a prefix and refuses a bad one', async () => {
    const service = new Service({ name: 'prefix', logger: createLogger({ level: 'silent' }) });
    const http = createHttpServer({ port: 0 }).routes(
      async (app) => {
        app.get('/ping', async () => ({ pong: true }));
      },
      { prefix: '/api/v1' },
    );
    expect(() => http.routes(async () => undefined, { prefix: 'no-slash' })).toThrow(UsageError);
    service.add(http);
    await service.start();
    try {
      expect((await http.app.inject('/api/v1/ping')).json()).toEqual({ pong: true });
      expect((await http.app.inject('/ping')).statusCode).toBe(404);
    } finally {
      await service.stop();
    }
  });
});
