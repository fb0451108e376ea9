import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError, UsageError } from '../errors/index.js';
import { HttpServer } from '../http/index.js';
import { defineJob, JobQueue } from '../jobs/index.js';
import { Service } from '../service/index.js';
import { Store } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { schedulesAdminRoutes } from './admin-routes.js';
import { defineSchedule } from './define-schedule.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { fakeClock } from './test/harness.js';

type Operation = { tags: string[]; summary?: string; responses: Record<string, unknown> };

for (const dialect of testDialects) {
  describe(`scheduler admin API and metrics on ${dialect}`, () => {
    let database: TestDatabase;
    let service: Service;
    let http: HttpServer;
    let scheduler: Scheduler<unknown>;
    const clock = fakeClock();
    const admin = { 'x-admin': 'yes' };
    const backup = defineJob({
      name: 'backup',
      payload: z.object({ fail: z.boolean() }),
      handler: async ({ fail }) => {
        if (fail) throw new Error('disk full');
      },
    });
    const ran: string[] = [];
    const guard = async (request: { headers: Record<string, unknown> }): Promise<void> => {
      if (request.headers['x-admin'] === undefined) throw new UnauthorizedError('Sign in');
      if (request.headers['x-admin'] !== 'yes') throw new ForbiddenError('Admins only');
    };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      service = new Service({ name: 'schedule-admin-test', logger: pino({ level: 'silent' }) });
      const store = new Store<unknown>(database.options);
      const jobs = new JobQueue<unknown>({ store, types: [backup], pollIntervalMs: 100, maxAttempts: 1 });
      scheduler = createScheduler({
        store,
        jobs,
        now: clock.now,
        schedules: [
          defineSchedule({
            name: 'nightly-backup',
            cron: '0 3 * * *',
            timezone: 'Europe/Paris',
            job: backup,
            payload: { fail: false },
          }),
          defineSchedule({ name: 'broken', intervalMs: 60_000, job: backup, payload: { fail: true } }),
        ],
      });
      // Added after construction, before start: its own job type reaches the queue.
      scheduler.add(
        defineSchedule({ name: 'tidy', intervalMs: 3_600_000, handler: async (ctx) => void ran.push(ctx.id) }),
      );
      http = new HttpServer({ port: 0, rateLimit: false, checkResponses: true, dependsOn: ['scheduler'] });
      http
        .routes(schedulesAdminRoutes(scheduler, { guard }))
        .routes(schedulesAdminRoutes(scheduler, { guard, prefix: '/ops' }));
      service.add(store).add(jobs).add(scheduler).add(http);
      await service.start();
    });
    afterAll(async () => {
      await service.stop();
      await database.drop();
    });

    it('refuses requests the guard refuses on every route and alias, and needs a guard (misuse, 500)', async () => {
      const routes = [
        ['GET', '/admin/schedules'],
        ['GET', '/admin/scheduler_status'],
        ['GET', '/admin/schedules/tidy'],
        ['GET', '/admin/schedules/tidy/runs'],
        ['POST', '/admin/schedules/tidy/pause'],
        ['POST', '/admin/schedules/tidy/resume'],
        ['POST', '/admin/schedules/tidy/trigger'],
        ['GET', '/ops/schedules'],
        ['GET', '/ops/scheduler_status'],
      ] as const;
      for (const [method, url] of routes) {
        const anonymous = await http.app.inject({ method, url });
        expect(anonymous.statusCode, url).toBe(401);
        expect(anonymous.headers['content-type']).toContain('application/problem+json');
        expect((await http.app.inject({ method, url, headers: { 'x-admin': 'no' } })).statusCode, url).toBe(403);
      }
      expect(ran).toEqual([]);
      expect(() => schedulesAdminRoutes(scheduler, {} as never)).toThrow(UsageError);
      expect(() => schedulesAdminRoutes(scheduler, { onRequest: guard } as never)).toThrow(
        /^schedulesAdminRoutes: guard must be a function$/,
      );
      expect(() => schedulesAdminRoutes(scheduler, { guard, prefix: 'admin' })).toThrow(/prefix must be a path/);
    });

    it('reports every schedule with its timing, next run and last run, at the status route and its alias', async () => {
      const response = await http.app.inject({ method: 'GET', url: '/admin/schedules', headers: admin });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.running).toBe(true);
      expect(body.schedules).toEqual([
        {
          name: 'nightly-backup',
          cron: '0 3 * * *',
          timezone: 'Europe/Paris',
          paused: false,
          nextRunAt: scheduler.schedules[0]!.nextRun(clock.now())!.toISOString(),
          lastRun: null,
          runCount: 0,
        },
        {
          name: 'broken',
          intervalMs: 60_000,
          timezone: 'UTC',
          paused: false,
          nextRunAt: new Date(Math.floor(clock.ms / 60_000) * 60_000 + 60_000).toISOString(),
          lastRun: null,
          runCount: 0,
        },
        expect.objectContaining({ name: 'tidy', intervalMs: 3_600_000, paused: false }),
      ]);
      for (const url of ['/admin/scheduler_status', '/ops/schedules', '/ops/scheduler_status']) {
        const same = await http.app.inject({ method: 'GET', url, headers: admin });
        expect(same.statusCode, url).toBe(200);
        expect(same.json(), url).toEqual(body);
      }
      const one = await http.app.inject({ method: 'GET', url: '/admin/schedules/broken', headers: admin });
      expect(one.json()).toEqual(body.schedules[1]);
    });

    it('documents every route, the alias included, tagged and with the guard answers', async () => {
      const docs = (await http.app.inject('/docs/json')).json() as { paths: Record<string, Record<string, Operation>> };
      const documented = [
        ['get', '/admin/schedules'],
        ['get', '/admin/scheduler_status'],
        ['get', '/admin/schedules/{name}'],
        ['get', '/admin/schedules/{name}/runs'],
        ['post', '/admin/schedules/{name}/pause'],
        ['post', '/admin/schedules/{name}/resume'],
        ['post', '/admin/schedules/{name}/trigger'],
      ] as const;
      for (const [method, path] of documented) {
        const operation = docs.paths[path]?.[method];
        expect(operation?.tags, path).toEqual(['schedules admin']);
        expect(Object.keys(operation?.responses ?? {}), path).toEqual(expect.arrayContaining(['401', '403']));
      }
      expect(docs.paths['/admin/scheduler_status']?.get?.summary).toBe('Scheduler status (alias of /admin/schedules)');
      expect(Object.keys(docs.paths['/admin/schedules/{name}/trigger']?.post?.responses ?? {})).toEqual(
        expect.arrayContaining(['202', '400', '404']),
      );
    });

    it('pauses, resumes and triggers by name; an unknown name is a 404, a malformed one a 400', async () => {
      const paused = await http.app.inject({
        method: 'POST',
        url: '/admin/schedules/nightly-backup/pause',
        headers: admin,
      });
      expect(paused.statusCode).toBe(200);
      expect(paused.json()).toMatchObject({ name: 'nightly-backup', paused: true, nextRunAt: null });
      const triggered = await http.app.inject({
        method: 'POST',
        url: '/admin/schedules/nightly-backup/trigger',
        headers: admin,
      });
      expect(triggered.statusCode).toBe(202);
      expect(triggered.json()).toEqual({ schedule: 'nightly-backup', jobId: expect.any(String) });
      const resumed = await http.app.inject({
        method: 'POST',
        url: '/admin/schedules/nightly-backup/resume',
        headers: admin,
      });
      expect(resumed.json()).toMatchObject({ paused: false, nextRunAt: expect.any(String) });
      await eventually(async () => (await scheduler.scheduleStatus('nightly-backup')).lastRun?.status === 'completed');
      const last = (await scheduler.scheduleStatus('nightly-backup')).lastRun!;
      expect(last.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(last.finishedAt!) - Date.parse(last.startedAt!)).toBe(last.durationMs);
      const tidy = await http.app.inject({ method: 'POST', url: '/admin/schedules/tidy/trigger', headers: admin });
      expect(tidy.statusCode).toBe(202);
      await eventually(async () => (await scheduler.runs('tidy'))[0]?.status === 'completed');
      expect(ran).toEqual([tidy.json().jobId]);
      for (const [method, action] of [
        ['POST', 'pause'],
        ['POST', 'resume'],
        ['POST', 'trigger'],
        ['GET', 'runs'],
      ] as const) {
        const missing = await http.app.inject({ method, url: `/admin/schedules/nope/${action}`, headers: admin });
        expect(missing.statusCode, action).toBe(404);
        expect(missing.json()).toMatchObject({ type: 'urn:keel:problem:not_found' });
        for (const bad of ['no%20spaces', '-dash-first', '%F0%9F%95%92']) {
          const malformed = await http.app.inject({ method, url: `/admin/schedules/${bad}/${action}`, headers: admin });
          expect(malformed.statusCode, `${action} ${bad}`).toBe(400);
          expect(malformed.json()).toMatchObject({ type: 'urn:keel:problem:validation' });
        }
        // Longer than any name: refused by the server before routing (414), still the client's fault.
        const long = await http.app.inject({
          method,
          url: `/admin/schedules/${'x'.repeat(129)}/${action}`,
          headers: admin,
        });
        expect(long.statusCode).toBeGreaterThanOrEqual(400);
        expect(long.statusCode).toBeLessThan(500);
      }
      expect((await http.app.inject({ method: 'GET', url: '/admin/schedules/nope', headers: admin })).statusCode).toBe(
        404,
      );
    });

    it('lists the runs of a schedule, latest first within the limit, and refuses a bad limit', async () => {
      const response = await http.app.inject({
        method: 'GET',
        url: '/admin/schedules/nightly-backup/runs',
        headers: admin,
      });
      expect(response.statusCode).toBe(200);
      const { runs } = response.json();
      expect(runs).toEqual([
        {
          runKey: expect.stringMatching(/^trigger:/),
          kind: 'trigger',
          plannedAt: new Date(clock.ms).toISOString(),
          status: 'completed',
          jobId: expect.any(String),
          enqueuedAt: new Date(clock.ms).toISOString(),
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
          error: null,
        },
      ]);
      for (const limit of ['0', '1001', 'x']) {
        const bad = await http.app.inject({
          method: 'GET',
          url: `/admin/schedules/nightly-backup/runs?limit=${limit}`,
          headers: admin,
        });
        expect(bad.statusCode, limit).toBe(400);
      }
    });

    it('shows a failed run with its error, and counts runs by outcome and the lag', async () => {
      const before = await service.metrics.text();
      // Every outcome of every schedule is exported from the start, at 0.
      for (const outcome of ['completed', 'failed', 'cancelled', 'skipped', 'missed']) {
        expect(before).toMatch(
          new RegExp(`keel_schedule_runs_total\\{schedule="broken",outcome="${outcome}"[^}]*\\} 0`),
        );
      }
      clock.advance(60_000);
      await scheduler.check();
      await eventually(async () => (await scheduler.scheduleStatus('broken')).lastRun?.status === 'failed');
      const status = await http.app.inject({ method: 'GET', url: '/admin/schedules', headers: admin });
      const broken = status.json().schedules[1];
      expect(broken).toMatchObject({ runCount: 1, lastRun: { status: 'failed', error: 'disk full' } });
      const metrics = (await http.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="broken",outcome="failed"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="nightly-backup",outcome="completed"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="tidy",outcome="completed"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_lag_seconds_count\{[^}]*schedule="nightly-backup"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_lag_seconds_count\{[^}]*schedule="broken"[^}]*\} 1/);
      // Every scheduler metric is named keel_schedule_*.
      const names = new Set(
        [...metrics.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!).filter((n) => /schedul/.test(n)),
      );
      expect([...names].sort()).toEqual(['keel_schedule_lag_seconds', 'keel_schedule_runs_total']);
    });
  });
}
