import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlanner } from './harness.js';
import { type InboxItem, waitFor } from './inbox.js';
import { type PlannerProcess, spawnPlanner } from './process.js';

const ADMIN = 'crash-admin@example.com';
const PARTICIPANTS = 20;

interface Answer {
  status: number;
  body: any;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function account(base: string, name: string, email: string): Promise<{ id: string; token: string }> {
  const password = 'correct horse battery';
  const registered = await call(base, 'POST', '/api/v1/auth/register', undefined, { email, password, name });
  expect(registered.status).toBe(201);
  const login = await call(base, 'POST', '/api/v1/auth/login', undefined, { email, password });
  expect(login.status).toBe(200);
  return { id: registered.body.id, token: login.body.accessToken };
}

for (const dialect of testDialects) {
  describe(`planner process on ${dialect}: SIGKILL right after the 201`, () => {
    let database: TestDatabase;
    const running: PlannerProcess[] = [];

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(running.map((p) => p.exited));
      await database?.drop();
    });

    const env = (jobsWork: boolean): Record<string, string> => ({
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ADMIN_EMAILS: ADMIN,
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
      JOBS_WORK: String(jobsWork),
    });

    it('delivers all 20 invitations exactly once after a restart', { timeout: 45_000 }, async () => {
      // An API-only instance (JOBS_WORK=false): the notify job cannot run before the kill.
      const first = await spawnPlanner(env(false));
      running.push(first);
      const base = first.url;
      const [admin, organizer, ...people] = await Promise.all([
        account(base, 'Admin', ADMIN),
        account(base, 'Organizer', 'organizer@example.com'),
        ...Array.from({ length: PARTICIPANTS }, (_, i) => account(base, `Person ${i}`, `person${i}@example.com`)),
      ]);
      expect(people).toHaveLength(PARTICIPANTS);

      const response = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${organizer!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'All hands',
          startsAt: '2031-01-15T09:00:00Z',
          endsAt: '2031-01-15T10:00:00Z',
          participantIds: people.map((p) => p.id),
        }),
      });
      // Killed the moment the 201 arrives: no shutdown, no flush, nothing after the response.
      first.child.kill('SIGKILL');
      expect(response.status).toBe(201);
      const event = (await response.json()) as { id: string; participants: unknown[] };
      expect(event.participants).toHaveLength(PARTICIPANTS);
      expect(await first.exited).toBeNull();
      expect(first.child.signalCode).toBe('SIGKILL');

      // What the crash left: the committed event's notify job, waiting, and no notification yet.
      const probe = await startPlanner(database, { JOBS_WORK: 'false' });
      try {
        const jobs = await probe.planner.jobs.list({ type: 'planner.notify' });
        expect(jobs.items.map((j) => j.state)).toEqual(['waiting']);
        const stored = await probe.planner.store.db
          .selectFrom('notifications')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(stored.n)).toBe(0);
      } finally {
        await probe.stop();
      }

      // Restart with workers: the job runs and every participant gets the invitation.
      const second = await spawnPlanner(env(true));
      running.push(second);
      const inboxOf = async (token: string): Promise<InboxItem[]> => {
        const page = await call(second.url, 'GET', '/api/v1/notifications?limit=100', token);
        expect(page.status).toBe(200);
        return page.body.items;
      };
      const everyone = () => Promise.all(people.map((p) => inboxOf(p.token)));
      await waitFor(everyone, (inboxes) => inboxes.every((items) => items.length > 0), 15_000);
      // Wait until no notify job is left to run: a second delivery could only come from one.
      await waitFor(
        () => call(second.url, 'GET', '/admin/jobs?type=planner.notify', admin!.token),
        (page) =>
          page.body.items.length > 0 && page.body.items.every((j: { state: string }) => j.state === 'completed'),
        15_000,
      );
      const inboxes = await everyone();
      for (const items of inboxes) {
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({
          type: 'event_invited',
          eventId: event.id,
          message: 'You are invited to "All hands" on 2031-01-15 09:00 UTC.',
          readAt: null,
        });
      }
      expect(new Set(inboxes.map((items) => items[0]!.id)).size).toBe(PARTICIPANTS);
      expect(await inboxOf(organizer!.token)).toEqual([]);

      const jobs = await call(second.url, 'GET', '/admin/jobs?type=planner.notify', admin!.token);
      expect(jobs.body.items).toHaveLength(1);
      const job = await call(second.url, 'GET', `/admin/jobs/${jobs.body.items[0].id}`, admin!.token);
      expect(job.body).toMatchObject({
        state: 'completed',
        attempts: 1,
        result: { delivered: PARTICIPANTS, skippedAsDuplicates: 0 },
      });

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    });
  });
}
