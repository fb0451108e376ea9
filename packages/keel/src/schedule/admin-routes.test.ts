import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ForbiddenError, ValidationError } from '../errors/index.js';
import { HttpServer } from '../http/index.js';
import { defineJob, JobQueue } from '../jobs/index.js';
import { Service } from '../service/index.js';
import { Store } from '../store/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/index.js';
import { schedulerAdminRoutes } from './admin-routes.js';
import { defineSchedule } from './define-schedule.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import { fakeClock, waitFor } from './test/harness.js';

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
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (fail) throw new Error('disk full');
      },
    });

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
      http = new HttpServer({ port: 0, rateLimit: false, dependsOn: ['scheduler'] });
      http.routes(
        schedulerAdminRoutes(scheduler, {
          onRequest: async (request) => {
            if (request.headers['x-admin'] !== 'yes') throw new ForbiddenError('Admins only');
          },
        }),
      );
      service.add(store).add(jobs).add(scheduler).add(http);
      await service.start();
    });
    afterAll(async () => {
      await service.stop();
      await database.drop();
    });

    it('refuses requests the guard refuses, and needs a guard', async () => {
      const response = await http.app.inject({ method: 'GET', url: '/admin/scheduler_status' });
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(() => schedulerAdminRoutes(scheduler, {} as never)).toThrow(ValidationError);
    });

    it('reports every schedule with its timing, next run and last run', async () => {
      const response = await http.app.inject({ method: 'GET', url: '/admin/scheduler_status', headers: admin });
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
      ]);
    });

    it('pauses, resumes and triggers by name, and answers 404 for an unknown one', async () => {
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
      await waitFor(async () => (await scheduler.scheduleStatus('nightly-backup')).lastRun?.status === 'completed');
      const last = (await scheduler.scheduleStatus('nightly-backup')).lastRun!;
      expect(last.durationMs).toBeGreaterThanOrEqual(15);
      expect(Date.parse(last.finishedAt!) - Date.parse(last.startedAt!)).toBe(last.durationMs);
      for (const action of ['pause', 'resume', 'trigger']) {
        const missing = await http.app.inject({
          method: 'POST',
          url: `/admin/schedules/nope/${action}`,
          headers: admin,
        });
        expect(missing.statusCode).toBe(404);
        expect(missing.json()).toMatchObject({ type: 'urn:keel:problem:not_found' });
      }
    });

    it('shows a failed run with its error, and counts runs by outcome and the lag', async () => {
      clock.advance(60_000);
      await scheduler.check();
      await waitFor(async () => (await scheduler.scheduleStatus('broken')).lastRun?.status === 'failed');
      const status = await http.app.inject({ method: 'GET', url: '/admin/scheduler_status', headers: admin });
      const broken = status.json().schedules[1];
      expect(broken).toMatchObject({ runCount: 1, lastRun: { status: 'failed', error: 'disk full' } });
      const metrics = (await http.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="broken",outcome="failed"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="nightly-backup",outcome="completed"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_lag_seconds_count\{[^}]*schedule="nightly-backup"[^}]*\} 1/);
      expect(metrics).toMatch(/keel_schedule_lag_seconds_count\{[^}]*schedule="broken"[^}]*\} 1/);
    });
  });
}
