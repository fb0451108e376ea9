import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, UsageError } from '../errors/index.js';
import { HttpServer } from '../http/index.js';
import { Service } from '../service/index.js';
import { Store } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { jobsAdminRoutes } from './admin-routes.js';
import { defineJob } from './define-job.js';
import { JobQueue } from './job-queue.js';

for (const dialect of testDialects) {
  describe(`jobs admin API, metrics and readiness on ${dialect}`, () => {
    let database: TestDatabase;
    let service: Service;
    let http: HttpServer;
    let jobs: JobQueue<unknown>;
    const admin = { 'x-admin': 'yes' };
    const guard = async (request: FastifyRequest) => {
      if (request.headers['x-admin'] !== 'yes') throw new ForbiddenError('Admins only');
    };
    const work = defineJob({
      name: 'work',
      payload: z.object({ fail: z.boolean() }),
      handler: async ({ fail }) => {
        if (fail) throw new Error('nope');
        return 'done';
      },
    });
    // No worker here runs this type: its jobs wait (and make the readiness check degrade).
    const parked = defineJob({
      name: 'parked',
      queue: 'parked',
      payload: z.object({ n: z.number() }),
      handler: async () => 0,
    });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      service = new Service({ name: 'admin-test', logger: pino({ level: 'silent' }) });
      const store = new Store<unknown>(database.options);
      jobs = new JobQueue<unknown>({
        store,
        types: [work, parked],
        queues: { default: {} },
        pollIntervalMs: 100,
        readiness: { maxWaitMs: 200 },
      });
      http = new HttpServer({ port: 0, rateLimit: false, dependsOn: ['jobs'] });
      http.routes(jobsAdminRoutes(jobs, { guard }));
      // A second mount under another admin root: `<prefix>/jobs/...`.
      http.routes(jobsAdminRoutes(jobs, { guard, prefix: '/ops' }));
      service.add(store).add(jobs).add(http);
      await service.start();
    });
    afterAll(async () => {
      await service.stop();
      await database.drop();
    });

    it('refuses requests the guard refuses', async () => {
      for (const url of ['/admin/jobs', '/admin/jobs/stats', '/ops/jobs/stats']) {
        const response = await http.app.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(403);
        expect(response.headers['content-type']).toContain('application/problem+json');
      }
    });

    it('refuses to build the routes without a guard: a UsageError, not a client error', () => {
      const noGuard = () => jobsAdminRoutes(jobs, {} as never);
      expect(noGuard).toThrow(UsageError);
      expect(noGuard).toThrow(/guard/);
      // The old option name is no guard.
      expect(() => jobsAdminRoutes(jobs, { onRequest: guard } as never)).toThrow(UsageError);
      expect(() => jobsAdminRoutes(jobs, { guard: 'yes' } as never)).toThrow(UsageError);
    });

    it('serves the routes under the prefix given, and documents every one', async () => {
      const stats = await http.app.inject({ method: 'GET', url: '/ops/jobs/stats', headers: admin });
      expect(stats.statusCode).toBe(200);
      expect(stats.json()).toHaveProperty('queues');
      expect((await http.app.inject({ method: 'GET', url: '/ops/jobs', headers: admin })).statusCode).toBe(200);
      const doc = (await http.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
        paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
      };
      const routes = [
        ['get', '/admin/jobs'],
        ['get', '/admin/jobs/stats'],
        ['get', '/admin/jobs/{id}'],
        ['post', '/admin/jobs/{id}/retry'],
        ['post', '/admin/jobs/{id}/cancel'],
      ] as const;
      for (const [method, path] of routes) {
        const operation = doc.paths[path]?.[method];
        expect(operation, `${method} ${path}`).toBeDefined();
        expect(operation?.tags).toEqual(['jobs admin']);
        expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403']));
      }
      expect(doc.paths['/admin/jobs/{id}/retry']?.post?.responses).toHaveProperty('409');
      expect(doc.paths['/admin/jobs/']).toBeUndefined();
    });

    it('lists jobs with filters and keyset pagination', async () => {
      await jobs.enqueueMany(
        parked,
        Array.from({ length: 5 }, (_, n) => ({ payload: { n } })),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/admin/jobs?type=parked&state=waiting&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await http.app.inject({ method: 'GET', url, headers: admin });
        expect(response.statusCode).toBe(200);
        const body = response.json() as { items: { id: string; type: string }[]; nextCursor: string | null };
        expect(body.items.length).toBeLessThanOrEqual(2);
        seen.push(...body.items.map((i) => i.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect([...seen].sort().reverse()).toEqual(seen);
      const bad = await http.app.inject({ method: 'GET', url: '/admin/jobs?limit=0', headers: admin });
      expect(bad.statusCode).toBe(400);
      const badCursor = await http.app.inject({ method: 'GET', url: '/admin/jobs?cursor=zzz', headers: admin });
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.json()).toMatchObject({ errors: [{ location: 'query', path: 'cursor' }] });
    });

    it('shows one job with its attempts and errors; 404 for unknown and malformed ids', async () => {
      const { id } = await jobs.enqueue(work, { fail: true }, { maxAttempts: 1 });
      await eventually(async () => (await jobs.get(id))?.state === 'failed');
      const response = await http.app.inject({ method: 'GET', url: `/admin/jobs/${id}`, headers: admin });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        id,
        state: 'failed',
        attempts: 1,
        payload: { fail: true },
        errors: [{ message: 'nope' }],
      });
      const unknown = await http.app.inject({
        method: 'GET',
        url: '/admin/jobs/01890000-0000-7000-8000-000000000000',
        headers: admin,
      });
      expect(unknown.statusCode).toBe(404);
      const malformed = await http.app.inject({ method: 'GET', url: '/admin/jobs/not-an-id', headers: admin });
      expect(malformed.statusCode).toBe(404);
      const retryMissing = await http.app.inject({ method: 'POST', url: '/admin/jobs/x/retry', headers: admin });
      expect(retryMissing.statusCode).toBe(404);
    });

    it('retries a failed job and cancels a waiting one; 409 for an impossible transition', async () => {
      const { id } = await jobs.enqueue(work, { fail: true }, { maxAttempts: 1 });
      await eventually(async () => (await jobs.get(id))?.state === 'failed');
      const retry = await http.app.inject({ method: 'POST', url: `/admin/jobs/${id}/retry`, headers: admin });
      expect(retry.statusCode).toBe(200);
      await eventually(
        async () => (await jobs.get(id))?.state === 'failed' && (await jobs.get(id))?.errors.length === 2,
      );
      const waiting = await jobs.enqueue(parked, { n: 99 });
      const again = await http.app.inject({ method: 'POST', url: `/admin/jobs/${waiting.id}/retry`, headers: admin });
      expect(again.statusCode).toBe(409);
      const cancel = await http.app.inject({ method: 'POST', url: `/admin/jobs/${waiting.id}/cancel`, headers: admin });
      expect(cancel.statusCode).toBe(200);
      expect(cancel.json()).toMatchObject({ state: 'cancelled' });
      const twice = await http.app.inject({ method: 'POST', url: `/admin/jobs/${waiting.id}/cancel`, headers: admin });
      expect(twice.statusCode).toBe(409);
    });

    it('reports counts per queue and state and the oldest waiting age', async () => {
      const response = await http.app.inject({ method: 'GET', url: '/admin/jobs/stats', headers: admin });
      expect(response.statusCode).toBe(200);
      const body = response.json() as {
        queues: { queue: string; counts: Record<string, number>; oldestWaitingAgeMs: number | null }[];
      };
      const parkedQueue = body.queues.find((q) => q.queue === 'parked');
      expect(parkedQueue?.counts.waiting).toBe(5);
      expect(parkedQueue?.counts.cancelled).toBe(1);
      expect(parkedQueue?.oldestWaitingAgeMs).toBeGreaterThan(0);
      expect(body.queues.find((q) => q.queue === 'default')?.counts.failed).toBe(2);
    });

    it('exports Prometheus metrics', async () => {
      const response = await http.app.inject({ method: 'GET', url: '/metrics' });
      const text = response.body;
      expect(text).toMatch(/keel_jobs_enqueued_total\{[^}]*queue="parked"[^}]*\} 6/);
      expect(text).toMatch(/keel_jobs_failed_total\{[^}]*type="work"[^}]*\} 3/);
      expect(text).toMatch(/keel_jobs_waiting\{[^}]*queue="parked"[^}]*\} 5/);
      expect(text).toMatch(
        /keel_jobs_run_duration_seconds_count\{(?=[^}]*type="work")(?=[^}]*outcome="failed")[^}]*\} 3/,
      );
      expect(text).toMatch(/keel_jobs_wait_seconds_count\{[^}]*type="work"[^}]*\} [1-9]/);
      // Every metric of the queue is keel_jobs_*.
      const names = new Set([...text.matchAll(/^(keel_jobs?_[a-z_]+)/gm)].map((m) => m[1]));
      expect([...names].filter((name) => !name?.startsWith('keel_jobs_'))).toEqual([]);
    });

    it('reports readiness degraded when a job waited past the bound', async () => {
      // The parked jobs were due at enqueue and nothing runs them: past 200 ms the check degrades.
      await eventually(async () => {
        const response = await http.app.inject({ method: 'GET', url: '/health/ready' });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toMatchObject({
          status: 'degraded',
          checks: { jobs: { status: 'down', critical: false } },
        });
      });
    });
  });
}
