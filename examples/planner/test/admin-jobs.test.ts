import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerHarness, startPlanner } from './harness.js';
import { inbox, waitFor } from './inbox.js';

const start = '2030-05-10T09:00:00.000Z';
const end = '2030-05-10T10:00:00.000Z';
const ADMIN = 'jobs-admin@example.com';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

interface JobSummary {
  id: string;
  type: string;
  queue: string;
  state: string;
  dedupeKey: string | null;
  lastError: string | null;
}

for (const dialect of testDialects) {
  describe(`planner job admin on ${dialect}`, () => {
    let database: TestDatabase;
    // An API-only instance (JOBS_WORK=false): jobs it enqueues wait until a worker instance runs them.
    let api: PlannerHarness;
    let worker: PlannerHarness | undefined;
    let admin: { id: string; token: string };
    let user: { id: string; token: string };
    let org: { id: string; token: string };
    let people: { id: string; token: string }[];
    const eventIds: string[] = [];

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      api = await startPlanner(database, { ADMIN_EMAILS: ADMIN, JOBS_WORK: 'false' });
      admin = await api.user('Admin', ADMIN);
      user = await api.user('User');
      org = await api.user('Org');
      people = await Promise.all(['P1', 'P2', 'P3'].map((name) => api.user(name)));
      for (let i = 0; i < 3; i += 1) {
        const created = await api.call('POST', '/api/v1/events', {
          token: org.token,
          body: { title: `Event ${i}`, startsAt: start, endsAt: end, participantIds: [people[i]!.id] },
        });
        expect(created.status).toBe(201);
        eventIds.push(created.body.id);
      }
    });
    afterAll(async () => {
      await worker?.stop();
      await api?.stop();
      await database?.drop();
    });

    const get = (url: string, token = admin.token) => api.call('GET', url, { token });
    const post = (url: string, token = admin.token) => api.call('POST', url, { token });
    const list = async (query: string): Promise<{ items: JobSummary[]; nextCursor: string | null }> => {
      const page = await get(`/admin/jobs?${query}`);
      expect(page.status).toBe(200);
      return page.body;
    };

    it('answers 401 without a token and 403 to a non-admin on every route', async () => {
      const { items } = await list('limit=1');
      const id = items[0]!.id;
      const routes: [string, string][] = [
        ['GET', '/admin/jobs'],
        ['GET', '/admin/jobs/stats'],
        ['GET', `/admin/jobs/${id}`],
        ['POST', `/admin/jobs/${id}/retry`],
        ['POST', `/admin/jobs/${id}/cancel`],
      ];
      for (const [method, url] of routes) {
        const anonymous = await api.call(method, url);
        expect(anonymous.status, `${method} ${url}`).toBe(401);
        expect(String(anonymous.headers['content-type'])).toContain('application/problem+json');
        expect(anonymous.headers['www-authenticate']).toBe('Bearer');
        const forbidden = await api.call(method, url, { token: user.token });
        expect(forbidden.status, `${method} ${url}`).toBe(403);
        expect(forbidden.body).toMatchObject({ status: 403, detail: 'This needs an admin' });
      }
      // The refused cancel changed nothing.
      expect((await get(`/admin/jobs/${id}`)).body.state).toBe('waiting');
    });

    it('answered the writes at once: their notify jobs wait (no worker here) and no inbox has anything yet', async () => {
      const notify = await list('type=planner.notify&state=waiting');
      expect(notify.items).toHaveLength(3);
      expect(notify.items.every((j) => j.queue === 'notifications' && j.lastError === null)).toBe(true);
      for (const p of people) expect(await inbox(api, p.token)).toEqual([]);
    });

    it('lists jobs filtered by state, queue and type, newest first, with a keyset cursor', async () => {
      const all = await list('limit=500');
      // Per event: one notify job and one reminder job.
      expect(all.items.filter((j) => j.type === 'planner.notify')).toHaveLength(3);
      expect(all.items.filter((j) => j.type === 'planner.event-reminder')).toHaveLength(3);
      expect(all.items.every((j) => j.state === 'waiting')).toBe(true);
      expect(
        all.items
          .map((j) => j.dedupeKey)
          .filter(Boolean)
          .sort(),
      ).toEqual(eventIds.map((id) => `reminder:${id}`).sort());
      // Newest first: the last event's jobs lead.
      expect(all.items.slice(0, 2).every((j) => j.dedupeKey === null || j.dedupeKey.endsWith(eventIds[2]!))).toBe(true);

      const byQueue = await list('queue=notifications&limit=500');
      expect(byQueue.items).toHaveLength(6);
      expect((await list('queue=nope')).items).toEqual([]);
      expect((await list('state=completed')).items).toEqual([]);
      expect((await list('type=planner.event-reminder&state=waiting')).items).toHaveLength(3);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list(`type=planner.notify&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((j) => j.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(all.items.filter((j) => j.type === 'planner.notify').map((j) => j.id));

      expect((await get('/admin/jobs?state=sleeping')).status).toBe(400);
      expect((await get('/admin/jobs?limit=0')).status).toBe(400);
      expect((await get('/admin/jobs?limit=501')).status).toBe(400);
      expect((await get('/admin/jobs?cursor=not-a-cursor')).status).toBe(400);
    });

    it('shows one job in full; 404 for an unknown or malformed id', async () => {
      const [summary] = (await list('type=planner.notify&limit=1')).items;
      const job = await get(`/admin/jobs/${summary!.id}`);
      expect(job.status).toBe(200);
      expect(job.body).toMatchObject({
        id: summary!.id,
        type: 'planner.notify',
        queue: 'notifications',
        state: 'waiting',
        attempts: 0,
        maxAttempts: 5,
        result: null,
        errors: [],
        payload: {
          notifications: [
            {
              userId: people[2]!.id,
              type: 'event_invited',
              eventId: eventIds[2],
              message: 'You are invited to "Event 2" on 2030-05-10 09:00 UTC.',
              sourceKey: expect.stringMatching(/^change:/),
            },
          ],
        },
      });
      expect((await get(`/admin/jobs/${UNKNOWN}`)).status).toBe(404);
      expect((await get('/admin/jobs/not-a-job')).status).toBe(404);
      expect((await post(`/admin/jobs/${UNKNOWN}/retry`)).status).toBe(404);
      expect((await post(`/admin/jobs/${UNKNOWN}/cancel`)).status).toBe(404);
    });

    it('cancels a waiting job (409 the second time) and retries a cancelled one (409 while waiting)', async () => {
      const [reminder] = (await list('type=planner.event-reminder&limit=1')).items;
      const cancelled = await post(`/admin/jobs/${reminder!.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: reminder!.id, state: 'cancelled', finishedAt: expect.any(String) });
      const again = await post(`/admin/jobs/${reminder!.id}/cancel`);
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('cancelled');

      const retried = await post(`/admin/jobs/${reminder!.id}/retry`);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ id: reminder!.id, state: 'waiting', attempts: 0, finishedAt: null });
      // Retried now: it is due at once, no longer at its reminder time.
      expect(Date.parse(retried.body.runAt)).toBeLessThanOrEqual(Date.now());
      const waiting = await post(`/admin/jobs/${reminder!.id}/retry`);
      expect(waiting.status).toBe(409);
      expect(waiting.body.detail).toContain('waiting');

      // Cancel it again so it does not remind before the event (the reminder ran early otherwise).
      expect((await post(`/admin/jobs/${reminder!.id}/cancel`)).status).toBe(200);
    });

    it('counts jobs per queue and state in /admin/jobs/stats', async () => {
      const stats = await get('/admin/jobs/stats');
      expect(stats.status).toBe(200);
      expect(stats.body.queues).toHaveLength(1);
      const [queue] = stats.body.queues;
      expect(queue).toMatchObject({
        queue: 'notifications',
        counts: { waiting: 5, running: 0, completed: 0, failed: 0, cancelled: 1 },
        oldestWaitingAgeMs: expect.any(Number),
      });
      expect(queue.oldestWaitingAgeMs).toBeGreaterThanOrEqual(0);
    });

    it('exposes job metrics on /metrics and the jobs check on /health/ready', async () => {
      const metrics = await api.call('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/keel_jobs_enqueued_total\{queue="notifications",type="planner\.notify"[^}]*\} 3\b/);
      expect(metrics.body).toMatch(
        /keel_jobs_enqueued_total\{queue="notifications",type="planner\.event-reminder"[^}]*\} 3\b/,
      );
      // Due waiting jobs: the three notify jobs (reminders are not due until 15 minutes before 2030).
      expect(metrics.body).toMatch(/keel_jobs_waiting\{queue="notifications"[^}]*\} 3\b/);
      for (const name of ['keel_jobs_completed_total', 'keel_jobs_failed_total', 'keel_jobs_run_duration_seconds']) {
        expect(metrics.body).toContain(`# TYPE ${name}`);
      }
      const ready = await api.call('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks.jobs).toMatchObject({
        status: 'up',
        critical: false,
        details: { waiting: { notifications: { count: 3, oldestWaitMs: expect.any(Number) } } },
      });
    });

    it('lets a worker instance on the same database deliver what the API-only one enqueued', async () => {
      worker = await startPlanner(database, { ADMIN_EMAILS: ADMIN });
      for (const [i, p] of people.entries()) {
        const items = await waitFor(
          () => inbox(api, p.token),
          (found) => found.length > 0,
        );
        expect(items.map((n) => [n.type, n.eventId])).toEqual([['event_invited', eventIds[i]]]);
      }
      await waitFor(
        () => list('type=planner.notify&state=completed'),
        (page) => page.items.length === 3,
      );
      const metrics = await worker.call('GET', '/metrics');
      expect(metrics.body).toMatch(
        /keel_jobs_completed_total\{queue="notifications",type="planner\.notify"[^}]*\} 3\b/,
      );
      expect(metrics.body).toMatch(/keel_jobs_run_duration_seconds_count\{[^}]*outcome="completed"[^}]*\} 3\b/);
      const stats = await get('/admin/jobs/stats');
      expect(stats.body.queues[0].counts).toMatchObject({ waiting: 2, completed: 3, cancelled: 1 });
      expect(stats.body.queues[0].oldestWaitingAgeMs).toBeNull();
    });
  });
}
