import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../errors/index.js';
import { createHttpServer, type HttpServer } from '../http/index.js';
import { Service } from '../service/index.js';
import { createStore, type Store } from '../store/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { type Backups, createBackups } from './backups.js';
import { LAST_SUCCESS_METRIC } from './observability.js';
import { backupAdminRoutes } from './routes.js';
import { manualClock } from './test/harness.js';
import { type SeedDatabase, seedMigrations, seedRows } from './test/seed.js';

const HOUR = 3_600_000;

describe('the backups component', () => {
  let database: TestDatabase;
  let service: Service;
  let store: Store<SeedDatabase>;
  let http: HttpServer;
  let backups: Backups;
  const clock = manualClock(new Date('2025-03-01T00:00:00Z'));

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    service = new Service({ name: 'backup-component-test', logger: pino({ level: 'silent' }) });
    store = createStore<SeedDatabase>({ ...database.options, migrations: seedMigrations });
    backups = createBackups({ store, backupDir: `${database.dataDir}/backups`, intervalMs: HOUR, now: clock.now });
    http = createHttpServer({ port: 0, rateLimit: false, dependsOn: ['backups'] });
    const requireAdmin = async (request: { headers: Record<string, unknown> }): Promise<void> => {
      if (request.headers['x-admin'] !== 'yes') throw new UnauthorizedError('Admins only');
    };
    http.routes(backupAdminRoutes(backups, { guard: requireAdmin }));
    http.routes(backupAdminRoutes(backups, { guard: requireAdmin, prefix: '/ops' }));
    service.add(http).add(backups).add(store);
    await service.start();
    await seedRows(store.db, 50);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('depends on the store it was given', () => {
    expect(backups.name).toBe('backups');
    expect(backups.dependsOn).toEqual(['store']);
  });

  it('guards the admin routes', async () => {
    const refused = await fetch(`${http.url}/admin/backups`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ detail: 'Admins only' });
    const post = await fetch(`${http.url}/admin/backups`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('takes a backup on POST and lists it on GET', async () => {
    const created = await fetch(`${http.url}/admin/backups`, { method: 'POST', headers: { 'x-admin': 'yes' } });
    expect(created.status).toBe(201);
    const entry = (await created.json()) as { file: string; sha256: string };
    expect(entry.file).toBe('keel_20250301_000000.db');
    const listed = await fetch(`${http.url}/admin/backups`, { headers: { 'x-admin': 'yes' } });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual({
      backups: [expect.objectContaining({ file: entry.file, sha256: entry.sha256 })],
    });
  });

  it('answers 409 while another backup runs', async () => {
    clock.advance(1000);
    // Holding the manifest's lock keeps the first backup from finishing until the test lets go.
    const lock = join(backups.backupDir, 'manifest.json.lock');
    await writeFile(lock, String(process.pid));
    const first = backups.create();
    try {
      const second = await fetch(`${http.url}/admin/backups`, { method: 'POST', headers: { 'x-admin': 'yes' } });
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({
        type: 'urn:keel:problem:conflict',
        detail: 'A backup is already running',
      });
    } finally {
      await rm(lock, { force: true });
    }
    expect((await first).file).toBe('keel_20250301_000001.db');
  });

  it('serves the routes under another prefix, documented in OpenAPI', async () => {
    const listed = await fetch(`${http.url}/ops/backups`, { headers: { 'x-admin': 'yes' } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { backups: unknown[] }).backups).toHaveLength(2);
    const document = (await (await fetch(`${http.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
    };
    const post = document.paths['/admin/backups']?.post;
    expect(post?.tags).toEqual(['backups admin']);
    expect(Object.keys(post?.responses ?? {})).toEqual(expect.arrayContaining(['201', '401', '403', '409']));
    expect(document.paths['/admin/backups']?.get?.tags).toEqual(['backups admin']);
  });

  it('exports the last success as a gauge', async () => {
    const text = await service.metrics.text();
    const line = text.split('\n').find((l) => l.startsWith(`${LAST_SUCCESS_METRIC}{`));
    expect(line).toMatch(/database="keel"/);
    expect(Number(line?.split(' ').at(-1))).toBe(Date.parse('2025-03-01T00:00:01Z') / 1000);
  });

  it('reports degraded readiness once the last success is older than twice the interval', async () => {
    clock.advance(HOUR);
    let report = await service.health.run();
    expect(report.status).toBe('ok');
    expect(report.checks.backups).toMatchObject({ status: 'up', critical: false });
    clock.advance(2 * HOUR);
    report = await service.health.run();
    expect(report.status).toBe('degraded');
    expect(report.checks.backups).toMatchObject({ status: 'down', critical: false });
    expect(report.checks.backups?.error).toMatch(/the last backup completed 2025-03-01T00:00:01.000Z/);
    await backups.create();
    expect((await service.health.run()).status).toBe('ok');
  });

  it('requires a guard for the routes, and a path for a prefix (a UsageError)', () => {
    expect(() => backupAdminRoutes(backups, {} as never)).toThrow(
      expect.objectContaining({ code: 'usage', message: 'backupsAdminRoutes: guard must be a function' }),
    );
    expect(() => backupAdminRoutes(backups, { onRequest: async () => undefined } as never)).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
    expect(() => backupAdminRoutes(backups, { guard: async () => undefined, prefix: 'admin' })).toThrow(
      expect.objectContaining({ code: 'usage', message: expect.stringContaining('prefix must be a path') }),
    );
  });
});
