import { createTestDatabase, eventually, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlannerHarness, startPlanner } from './harness.js';

const REMINDER_TYPE = 'planner.event-reminder';

for (const dialect of testDialects) {
  describe(`planner reminders across a restart on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness | undefined;
    const env = { REMINDER_MINUTES: '1' };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await h?.stop();
      await database?.drop();
    });

    it("keeps an event's reminder job through a restart and fires it afterwards", async () => {
      h = await startPlanner(database, env);
      const organizer = await h.user('Org');
      const guest = await h.user('Guest');
      // Starts in 66 s: with a 1-minute reminder, the job is due in about 6 s, after the restart below.
      const startsAt = new Date(Math.ceil((Date.now() + 66_000) / 1000) * 1000).toISOString();
      const created = await h.call('POST', '/api/v1/events', {
        token: organizer.token,
        body: {
          title: 'Survives restarts',
          startsAt,
          endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
          participantIds: [guest.id],
        },
      });
      expect(created.status).toBe(201);
      const eventId: string = created.body.id;
      const before = (await h.planner.jobs.list({ type: REMINDER_TYPE })).items;
      expect(before).toHaveLength(1);
      expect(before[0]).toMatchObject({ state: 'waiting' });
      const jobId = before[0]!.id;
      const dueAt = (await h.planner.jobs.require(jobId)).runAt.getTime();
      expect(dueAt).toBe(Date.parse(startsAt) - 60_000);
      await h.stop();
      h = undefined;
      const reminders = async (harness: PlannerHarness) =>
        harness.planner.store.db
          .selectFrom('notifications')
          .select(['user_id', 'event_id', 'type'])
          .where('type', '=', 'event_reminder')
          .execute();

      h = await startPlanner(database, env);
      // Nothing fired while the planner was down or before the reminder was due.
      expect(Date.now()).toBeLessThan(dueAt);
      expect(await reminders(h)).toEqual([]);
      expect(await h.planner.jobs.require(jobId)).toMatchObject({ state: 'waiting', payload: { eventId } });

      const restarted = h;
      const job = await eventually(
        async () => {
          const found = await restarted.planner.jobs.require(jobId);
          return found.state === 'completed' && found;
        },
        { timeoutMs: dueAt + 15_000 - Date.now(), intervalMs: 200 },
      );
      expect(job.state).toBe('completed');
      expect(job.startedAt!.getTime()).toBeGreaterThanOrEqual(dueAt);
      expect(await reminders(h)).toEqual([{ user_id: guest.id, event_id: eventId, type: 'event_reminder' }]);
    });
  });
}
