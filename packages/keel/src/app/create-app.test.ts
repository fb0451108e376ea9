import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../config/index.js';
import { ForbiddenError, UsageError } from '../errors/index.js';
import type { HttpReply, HttpRequest } from '../http/index.js';
import { defineJob } from '../jobs/index.js';
import { defineSchedule } from '../schedule/index.js';
import type { Kysely } from '../store/index.js';
import { createTestApp, createTestDatabase, eventually, type TestApp, testDialects } from '../testing/index.js';
import { type AppConfig, appConfigSchema, createApp, defineFeature, type FeatureContext } from './index.js';

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
