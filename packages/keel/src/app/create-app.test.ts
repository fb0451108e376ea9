import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../config/index.js';
import { ForbiddenError, UnavailableError, UsageError } from '../errors/index.js';
import { createHttpServer, type HttpReply, type HttpRequest } from '../http/index.js';
import { defineJob } from '../jobs/index.js';
import { createLogger } from '../logging/index.js';
import { defineSchedule } from '../schedule/index.js';
import { Service } from '../service/index.js';
import { createStore, type Kysely } from '../store/index.js';
import {
  createTestApp,
  createTestDatabase,
  eventually,
  type TestApp,
  type TestDatabase,
  testDialects,
} from '../testing/index.js';
import { type App, type AppConfig, appConfigSchema, createApp, defineFeature, type FeatureContext } from './index.js';

declare module '../http/index.js' {
  interface Principal {
    name: string;
    admin: boolean;
  }
}

interface Db {
  notes: { id: string; body: string };
}
type Ctx = FeatureContext<Db>;

const migrations = {
  '001_notes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

// A principal from a header, for tests only: `x-user: name` and `x-admin: 1`.
const headerAuth = {
  authenticate: async (request: HttpRequest, _reply: HttpReply) => {
    const name = request.headers['x-user'];
    return typeof name === 'string' ? { name, admin: request.headers['x-admin'] === '1' } : null;
  },
  isAdmin: (principal: { admin: boolean }) => principal.admin,
};

const seen: string[] = [];

const indexed = defineJob({
  name: 'note-indexed',
  payload: z.object({ id: z.string() }),
  handler: async ({ id }, ctx) => {
    seen.push(id);
    // A handler enqueues through its context: graphile-worker's addJob.
    if (id === 'chain') await ctx.enqueue(indexed, { id: 'chained' });
  },
});

const directory = defineFeature({
  name: 'directory',
  setup: (app: Ctx) => ({
    migrations,
    exports: {
      count: async () =>
        Number(
          (
            await app.store.db
              .selectFrom('notes')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
    },
  }),
});

const notes = defineFeature({
  name: 'notes',
  setup: (app: Ctx) => {
    // Listed before `directory` in createApp: `use` sets it up first, whatever the order.
    const { count } = app.use(directory);
    const tidy = defineSchedule({ name: 'tidy-notes', cron: '0 * * * *', handler: async () => void seen.push('tidy') });
    return {
      jobs: [indexed],
      schedules: [tidy],
      prefix: '/api',
      auth: headerAuth,
      routes: async (http) => {
        http.post(
          '/notes',
          {
            schema: {
              body: z.object({ id: z.string(), body: z.string(), fail: z.boolean().optional() }),
              problems: [403],
              response: { 201: z.object({ count: z.number() }) },
            },
          },
          async (request, reply) => {
            await app.store.transaction(async (trx) => {
              await trx.insertInto('notes').values({ id: request.body.id, body: request.body.body }).execute();
              await app.jobs.enqueue(indexed, { id: request.body.id });
              if (request.body.fail) throw new ForbiddenError('refused after the enqueue');
            });
            return reply.status(201).send({ count: await count() });
          },
        );
        http.get(
          '/me',
          {
            onRequest: app.guards.authenticated,
            schema: { problems: [401], response: { 200: z.object({ name: z.string() }) } },
          },
          async (request) => ({ name: request.principal.name }),
        );
        http.get(
          '/anyone',
          { schema: { problems: [401], response: { 200: z.object({ name: z.string() }) } } },
          async (request) => ({ name: request.principal.name }),
        );
        http.get('/misuse', { schema: { response: { 200: z.object({}) } } }, async () => {
          throw new UsageError('misused: the secret key is k-123');
        });
      },
    };
  },
});

for (const dialect of testDialects) {
  describe(`createApp with features on ${dialect}`, () => {
    let test: TestApp<Db>;
    beforeAll(async () => {
      test = await createTestApp<Db>({ dialect, features: [notes, directory] });
    });
    afterAll(async () => {
      await test.close();
    });

    it('wires every part: migrations, routes under the prefix, jobs enqueued in the route transaction', async () => {
      const created = await test.inject('POST', '/api/notes', { body: { id: 'a', body: 'x' } });
      expect(created).toMatchObject({ status: 201, body: { count: 1 } });
      await test.drainJobs();
      expect(seen).toContain('a');
    });

    it('rolls the enqueued job back with the transaction that failed', async () => {
      const refused = await test.inject('POST', '/api/notes', { body: { id: 'b', body: 'x', fail: true } });
      expect(refused.status).toBe(403);
      expect(await test.app.jobs.list({ type: 'note-indexed', limit: 100 })).toMatchObject({
        items: expect.not.arrayContaining([expect.objectContaining({ payload: { id: 'b' } })]),
      });
      expect((await test.app.jobs.list({ type: 'note-indexed', limit: 100 })).items).toHaveLength(1);
    });

    it('gives handlers enqueue, and runs a one-declaration schedule', async () => {
      await test.inject('POST', '/api/notes', { body: { id: 'chain', body: 'x' } });
      await test.drainJobs();
      expect(seen).toContain('chained');
      await test.app.scheduler.trigger('tidy-notes');
      await test.drainJobs();
      expect(seen).toContain('tidy');
    });

    it('types the principal as a request decoration, set by the guard', async () => {
      expect(await test.inject('GET', '/api/me', { headers: { 'x-user': 'ann' } })).toMatchObject({
        status: 200,
        body: { name: 'ann' },
      });
      const anonymous = await test.inject('GET', '/api/me');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      // Without a guard, reading the principal is a 401, never an undefined.
      expect((await test.inject('GET', '/api/anyone', { headers: { 'x-user': 'ann' } })).status).toBe(401);
    });

    it('answers misuse with 500 and no internals, and logs it in full', async () => {
      const answer = await test.inject('GET', '/api/misuse', { headers: { 'x-request-id': `misuse-${dialect}` } });
      expect(answer.status).toBe(500);
      expect(answer.problem).toMatchObject({ type: 'urn:keel:problem:usage', detail: 'An unexpected error occurred' });
      expect(JSON.stringify(answer.body)).not.toContain('k-123');
      const logged = test
        .logs()
        .find((line) => line.requestId === `misuse-${dialect}` && line.msg === 'request failed');
      expect(JSON.stringify(logged)).toContain('the secret key is k-123');
    });

    it('mounts every capability admin API under /admin behind the admin guard, documented', async () => {
      for (const path of [
        '/admin/jobs/stats',
        '/admin/cache/stats',
        '/admin/cache_stats',
        '/admin/scheduler_status',
        '/admin/backups',
      ]) {
        expect((await test.inject('GET', path)).status, path).toBe(401);
        expect((await test.inject('GET', path, { headers: { 'x-user': 'bob' } })).status, path).toBe(403);
        expect((await test.inject('GET', path, { headers: { 'x-user': 'root', 'x-admin': '1' } })).status, path).toBe(
          200,
        );
      }
      const docs = (await test.inject('GET', '/docs/json')).body as { paths: Record<string, unknown> };
      for (const path of [
        '/admin/jobs/stats',
        '/admin/cache/stats',
        '/admin/cache_stats',
        '/admin/scheduler_status',
        '/admin/backups',
      ])
        expect(docs.paths, path).toHaveProperty([path]);
    });

    it('starts HTTP last without being told', async () => {
      const started = test.logs().find((line) => line.msg === 'service started') as { components: string[] };
      expect(started.components.at(-1)).toBe('http');
      expect(started.components.indexOf('store')).toBe(0);
    });
  });
}

describe('createApp refuses what can never work', () => {
  const config = (): AppConfig =>
    loadConfig(appConfigSchema, { envFile: false, env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' } });

  it('refuses features that use each other in a cycle, or one it was not given', () => {
    const a = defineFeature({ name: 'a', setup: (app: Ctx) => ({ exports: app.use(b) }) });
    const b: ReturnType<typeof defineFeature<unknown, Db>> = defineFeature({
      name: 'b',
      setup: (app: Ctx) => ({ exports: app.use(a) }),
    });
    expect(() => createApp<Db>({ name: 'cycle', config: config(), features: [a, b] })).toThrow(/cycle: a -> b -> a/);
    expect(() => createApp<Db>({ name: 'missing', config: config(), features: [a] })).toThrow(
      /uses "b", which createApp was not given/,
    );
    expect(() => createApp<Db>({ name: 'twice', config: config(), features: [directory, directory] })).toThrow(
      UsageError,
    );
    expect(() => defineFeature({ name: 'bad name!', setup: () => ({}) })).toThrow(UsageError);
  });

  it('runs a worker-only process of the same assembly with http: false', async () => {
    const database = await createTestDatabase('sqlite');
    const app = createApp<Db>({
      name: 'worker',
      config: loadConfig(appConfigSchema, {
        envFile: false,
        env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: database.dataDir },
      }),
      features: [notes, directory],
      http: false,
      jobs: { pollIntervalMs: 50 },
    });
    try {
      await app.service.start();
      expect(() => app.http.url).toThrow();
      await app.store.transaction(async () => {
        await app.jobs.enqueue(indexed, { id: 'from-worker' });
      });
      await eventually(() => seen.includes('from-worker'));
    } finally {
      await app.service.stop();
      await database.drop();
    }
  });
});

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

function configFor(database: TestDatabase, env: Record<string, string> = {}) {
  return loadConfig(appConfigSchema, {
    envFile: false,
    env: {
      PORT: '0',
      LOG_LEVEL: 'debug',
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...env,
    },
  });
}

for (const dialect of testDialects) {
  describe(`createApp from config on ${dialect}`, () => {
    let database: TestDatabase;
    let app: App<{ notes: { id: number; body: string } }>;
    const logs = capture();

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const login = defineFeature({
        name: 'login',
        setup: (ctx: FeatureContext<{ notes: { id: number; body: string } }>) => ({
          health: [
            {
              name: 'mail',
              critical: false,
              check: async () => {
                throw new Error('smtp down');
              },
            },
          ],
          routes: async (http) => {
            http.post('/login', async (request) => {
              request.log.info({ body: request.body, headers: request.headers }, 'login attempt');
              return { ok: true };
            });
            http.get('/broken', async () =>
              ctx.store.db
                .selectFrom('notes_missing' as 'notes')
                .selectAll()
                .execute(),
            );
          },
        }),
      });
      app = createApp({ name: 'notes', config: configFor(database), features: [login], logDestination: logs.stream });
      await app.service.start();
    });
    afterAll(async () => {
      await app.service.stop();
      await database.drop();
    });

    it('reports readiness with every check and the startup state', async () => {
      const ready = await app.http.app.inject('/health/ready');
      expect(ready.statusCode).toBe(200);
      const body = ready.json();
      expect(body.status).toBe('degraded');
      expect(body.checks.database).toMatchObject({ status: 'up' });
      expect(body.checks.database.latencyMs).toBeTypeOf('number');
      expect(body.checks.mail).toMatchObject({ status: 'down', error: 'smtp down' });
      expect((await app.http.app.inject('/health/startup')).json()).toEqual({ status: 'ok' });
      expect(app.store.dialect).toBe(dialect);
    });

    it('logs each request through a child logger with its request id, credentials redacted', async () => {
      const res = await fetch(`${app.http.url}/login`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': `login-${dialect}`,
          authorization: 'Bearer very-secret',
          cookie: 'sid=cookie-secret',
        },
        body: JSON.stringify({ email: 'a@b.c', password: 'hunter2', token: 'tok-secret' }),
      });
      expect(res.status).toBe(200);
      const mine = logs.lines().filter((line) => line.requestId === `login-${dialect}`);
      expect(mine.map((line) => line.msg)).toEqual(['incoming request', 'login attempt', 'request completed']);
      expect(mine.every((line) => line.name === 'notes' && line.component === 'http')).toBe(true);
      const text = JSON.stringify(logs.lines());
      for (const secret of ['very-secret', 'cookie-secret', 'hunter2', 'tok-secret'])
        expect(text).not.toContain(secret);
      expect(mine[1]).toMatchObject({ body: { email: 'a@b.c', password: '[redacted]' } });
    });

    it('logs unknown errors in full while answering without internals', async () => {
      const res = await fetch(`${app.http.url}/broken`, { headers: { 'x-request-id': `broken-${dialect}` } });
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).not.toMatch(/notes_missing|select|at /);
      const logged = logs
        .lines()
        .find((line) => line.requestId === `broken-${dialect}` && line.msg === 'request failed');
      const err = logged?.err as { message: string; stack: string } | undefined;
      expect(err?.message).toMatch(/notes_missing/);
      expect(err?.stack).toMatch(/\n\s+at /);
    });
  });
}

describe('a failed start', () => {
  it('stops already-started components when PostgreSQL is unreachable', async () => {
    const logs = capture();
    const logger = createLogger({ destination: logs.stream });
    const service = new Service({ name: 'down', logger });
    const events: string[] = [];
    const http = createHttpServer({ port: 0, dependsOn: ['store'] });
    service
      .add({
        name: 'early',
        async start() {
          events.push('start early');
        },
        async stop() {
          events.push('stop early');
        },
      })
      .add(createStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/app', connectTimeoutMs: 1000 }))
      .add(http);
    const error = await service.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/could not open the postgres database "app": .*ECONNREFUSED/);
    expect(events).toEqual(['start early', 'stop early']);
    expect(service.state).toBe('stopped');
    expect(() => http.app).toThrow(UnavailableError);
    const failed = logs.lines().find((line) => line.msg === 'component failed to start');
    expect(failed).toMatchObject({ component: 'store' });
  });

  it('createApp refuses the same unreachable database', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const app = createApp({
        name: 'down',
        config: configFor(database, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/app', LOG_LEVEL: 'silent' }),
      });
      await expect(app.service.start()).rejects.toThrow(/ECONNREFUSED/);
      expect(app.service.state).toBe('stopped');
    } finally {
      await database.drop();
    }
  });
});
