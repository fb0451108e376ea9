import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Planner } from '../src/index.js';
import { type PlannerHarness, startPlanner } from './harness.js';

/** Every row of the planner's own tables, in a stable order. */
async function snapshot(planner: Planner) {
  const db = planner.store.db;
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    events: await db.selectFrom('events').selectAll().orderBy('id').execute(),
    participants: await db
      .selectFrom('event_participants')
      .selectAll()
      .orderBy('event_id')
      .orderBy('user_id')
      .execute(),
    notifications: await db.selectFrom('notifications').selectAll().orderBy('id').execute(),
  };
}

/** Waits until no notification job is waiting or running, so the rows stop changing. */
async function notificationsDelivered(planner: Planner): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pending = await Promise.all(
      (['waiting', 'running'] as const).map((state) => planner.jobs.list({ type: 'planner.notify', state })),
    );
    if (pending.every((page) => page.items.length === 0)) return;
    if (Date.now() > deadline) throw new Error('notification jobs still pending');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const dialect of testDialects) {
  describe(`planner backup restore on ${dialect}`, () => {
    let source: TestDatabase;
    let target: TestDatabase;
    let h: PlannerHarness;
    let restored: PlannerHarness | undefined;

    beforeAll(async () => {
      source = await createTestDatabase(dialect);
      target = await createTestDatabase(dialect);
      h = await startPlanner(source, { ADMIN_EMAILS: 'ops@example.com' });
    });
    afterAll(async () => {
      await restored?.stop();
      await h?.stop();
      await source?.drop();
      await target?.drop();
    });

    it('restores a backup taken through the admin API into a database equal to its source', async () => {
      const admin = await h.user('Ops', 'ops@example.com');
      const guests = await Promise.all(['Ann', 'Bob', 'Cy'].map((name) => h.user(name)));
      for (let i = 0; i < 5; i += 1) {
        const created = await h.call('POST', '/api/v1/events', {
          token: admin.token,
          body: {
            title: `Review ${i}`,
            description: i % 2 ? `notes ${i} — ünïcode` : undefined,
            startsAt: `2031-05-0${i + 1}T09:00:00.000Z`,
            endsAt: `2031-05-0${i + 1}T10:30:00.000Z`,
            location: i === 3 ? null : `Room ${i}`,
            participantIds: guests.slice(0, (i % 3) + 1).map((g) => g.id),
          },
        });
        expect(created.status).toBe(201);
      }
      await h.planner.store.db
        .insertInto('notifications')
        .values({
          id: `restore-${admin.id}`,
          user_id: guests[0]!.id,
          type: 'event_invited',
          event_id: null,
          message: 'read long ago',
          source_key: 'restore-test',
          created_at: '2020-01-01T00:00:00.000Z',
          read_at: '2020-01-02T00:00:00.000Z',
        })
        .execute();
      await notificationsDelivered(h.planner);
      const before = await snapshot(h.planner);
      expect(before.notifications.length).toBeGreaterThan(1);
      expect(before.users).toHaveLength(4);
      expect(before.events).toHaveLength(5);
      expect(before.participants).toHaveLength(1 + 2 + 3 + 1 + 2);

      const taken = await h.call('POST', '/admin/backups', { token: admin.token });
      expect(taken.status).toBe(201);
      // Writes after the backup are not in it.
      await h.call('POST', '/api/v1/events', {
        token: admin.token,
        body: { title: 'After the backup', startsAt: '2031-06-01T09:00:00.000Z', endsAt: '2031-06-01T10:00:00.000Z' },
      });

      const result = await h.planner.backups.restore(taken.body.file, { target: target.options });
      expect(result.file).toBe(taken.body.file);
      restored = await startPlanner(target);
      expect(await snapshot(restored.planner)).toEqual(before);
      // The restored planner serves the restored data.
      const login = await restored.call('POST', '/api/v1/auth/login', {
        body: { email: 'ops@example.com', password: 'correct horse battery' },
      });
      expect(login.status).toBe(200);
      const events = await restored.call('GET', '/api/v1/events?limit=100', { token: login.body.accessToken });
      expect(events.body.items.map((e: { title: string }) => e.title)).toEqual(
        [0, 1, 2, 3, 4].map((i) => `Review ${i}`),
      );
    });

    it('refuses to restore over a database that holds data unless forced', async () => {
      const [latest] = await h.planner.backups.list();
      await expect(h.planner.backups.restore(latest!.file, { target: target.options })).rejects.toMatchObject({
        code: 'conflict',
      });
    });
  });
}
