import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfigSchema, loadConfig } from '../config/index.js';
import { UnavailableError } from '../errors/index.js';
import { createHttpServer } from '../http/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createStore } from '../store/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/index.js';
import { type App, createApp } from './index.js';

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
  return loadConfig(baseConfigSchema, {
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
  describe(`createApp on ${dialect}`, () => {
    let database: TestDatabase;
    let app: App<{ notes: { id: number; body: string } }>;
    const logs = capture();

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      app = createApp({ name: 'notes', config: configFor(database), logDestination: logs.stream });
      app.http.routes(async (http) => {
        http.post('/login', async (request) => {
          request.log.info({ body: request.body, headers: request.headers }, 'login attempt');
          return { ok: true };
        });
        http.get('/broken', async () =>
          app.store.db
            .selectFrom('notes_missing' as 'notes')
            .selectAll()
            .execute(),
        );
      });
      app.service.health.register({
        name: 'mail',
        critical: false,
        check: async () => {
          throw new Error('smtp down');
        },
      });
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

describe('failed start', () => {
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
