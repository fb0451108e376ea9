import { sql } from 'keel/store';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMINDER_JOB, reminderJob } from '../src/events/reminders.js';
import { handlerContext, type PlannerHarness, startPlanner } from './harness.js';
import { fromNow, inbox, waitFor } from './inbox.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ADMIN = 'reminder-admin@example.com';

for (const dialect of testDialects) {
  describe(`planner reminders on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness;
    let admin: { id: string; token: string };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database?.drop();
    });

    async function createEvent(
      token: string,
      title: string,
      startsAt: string,
      participantIds: string[],
    ): Promise<{ id: string; startsAt: string }> {
      const endsAt = new Date(Date.parse(startsAt) + HOUR).toISOString();
      const created = await h.call('POST', '/api/v1/events', {
        token,
        body: { title, startsAt, endsAt, participantIds },
      });
      expect(created.status).toBe(201);
      return created.body;
    }

    async function move(token: string, id: string, title: string, startsAt: string, participantIds: string[]) {
      const endsAt = new Date(Date.parse(startsAt) + HOUR).toISOString();
      const updated = await h.call('PUT', `/api/v1/events/${id}`, {
        token,
        body: { title, startsAt, endsAt, participantIds },
      });
      expect(updated.status).toBe(200);
      return updated.body;
    }

    /** Every reminder job of an event, through the admin API. */
    async function remindersOf(eventId: string) {
      const page = await h.call('GET', `/admin/jobs?type=${REMINDER_JOB}&limit=500`, { token: admin.token });
      expect(page.status).toBe(200);
      return (page.body.items as { id: string; dedupeKey: string; state: string; runAt: string }[]).filter(
        (j) => j.dedupeKey === `reminder:${eventId}`,
      );
    }

    const reminders = async (token: string) => (await inbox(h, token)).filter((n) => n.type === 'event_reminder');

    describe('with the default REMINDER_MINUTES (15)', () => {
      beforeAll(async () => {
        h = await startPlanner(database, { ADMIN_EMAILS: ADMIN });
        admin = await h.user('Admin', ADMIN);
      });
      afterAll(async () => {
        await h?.stop();
      });

      it('schedules one reminder job 15 minutes before the start, in the event write', async () => {
        const org = await h.user('Org');
        const ann = await h.user('Ann');
        const event = await createEvent(org.token, 'Planning', fromNow(2 * HOUR), [ann.id]);
        const [job, ...others] = await remindersOf(event.id);
        expect(others).toEqual([]);
        expect(job).toMatchObject({ state: 'waiting', queue: 'notifications', type: REMINDER_JOB });
        expect(Date.parse(job!.runAt)).toBe(Date.parse(event.startsAt) - 15 * MINUTE);
        const detail = await h.call('GET', `/admin/jobs/${job!.id}`, { token: admin.token });
        expect(detail.body.payload).toEqual({ eventId: event.id });
        // The queue finds it by type and dedupe key too.
        const byKey = await h.planner.jobs.get({ type: REMINDER_JOB, dedupeKey: `reminder:${event.id}` });
        expect(byKey?.id).toBe(job!.id);
      });

      it('moves the reminder with the event, keeps it on other edits, cancels it on delete', async () => {
        const org = await h.user('Mover');
        const ann = await h.user('Moved');
        const event = await createEvent(org.token, 'Standup', fromNow(2 * HOUR), [ann.id]);
        const [original] = await remindersOf(event.id);

        const later = new Date(Date.parse(event.startsAt) + 3 * HOUR).toISOString();
        await move(org.token, event.id, 'Standup', later, [ann.id]);
        const [moved, ...rest] = await remindersOf(event.id);
        expect(rest).toEqual([]);
        expect(moved).toMatchObject({ id: original!.id, state: 'waiting' });
        expect(Date.parse(moved!.runAt)).toBe(Date.parse(later) - 15 * MINUTE);

        await move(org.token, event.id, 'Standup (renamed)', later, []);
        const [kept] = await remindersOf(event.id);
        expect(kept).toMatchObject({ id: original!.id, state: 'waiting', runAt: moved!.runAt });

        const deleted = await h.call('DELETE', `/api/v1/events/${event.id}`, { token: org.token });
        expect(deleted.status).toBe(204);
        const [cancelled, ...none] = await remindersOf(event.id);
        expect(none).toEqual([]);
        expect(cancelled).toMatchObject({ id: original!.id, state: 'cancelled' });
        expect(await h.planner.jobs.get({ type: REMINDER_JOB, dedupeKey: `reminder:${event.id}` })).toBeUndefined();
      });

      it('gives a moved event a new reminder even while the old one is running, and never reminds early', async () => {
        const org = await h.user('Racer');
        const ann = await h.user('RacerAnn');
        const event = await createEvent(org.token, 'Race', fromNow(2 * HOUR), [ann.id]);
        const [original] = await remindersOf(event.id);
        // A worker elsewhere has just claimed it (as the claim would: running under its lease).
        await sql`update keel_job set state = 'running', attempts = 1, locked_by = 'elsewhere',
          locked_until = ${Date.now() + HOUR} where id = ${original!.id}`.execute(h.planner.store.db);

        const later = new Date(Date.parse(event.startsAt) + HOUR).toISOString();
        await move(org.token, event.id, 'Race', later, [ann.id]);
        const [fresh, old, ...none] = await remindersOf(event.id);
        expect(none).toEqual([]);
        expect(old).toMatchObject({ id: original!.id, state: 'cancelled' });
        expect(fresh).toMatchObject({ state: 'waiting' });
        expect(Date.parse(fresh!.runAt)).toBe(Date.parse(later) - 15 * MINUTE);

        // The old run, reading the moved event, reminds nobody: the reminder is not due for hours.
        const ctx = handlerContext(h.planner, original!.id, 1);
        expect(await reminderJob(h.planner.store, 15).handle({ eventId: event.id }, ctx)).toEqual({
          reminded: 0,
          reason: 'not due yet',
        });
        expect(await reminders(ann.token)).toEqual([]);
      });

      it('cancels the reminder of an event moved into the past; a failed write schedules nothing', async () => {
        const org = await h.user('Past');
        const event = await createEvent(org.token, 'Retro', fromNow(HOUR), []);
        await move(org.token, event.id, 'Retro', fromNow(-HOUR), []);
        const [cancelled] = await remindersOf(event.id);
        expect(cancelled?.state).toBe('cancelled');

        const before = (await h.planner.jobs.list({ type: REMINDER_JOB, limit: 500 })).items.length;
        const refused = await h.call('POST', '/api/v1/events', {
          token: org.token,
          body: {
            title: 'Nobody',
            startsAt: fromNow(HOUR),
            endsAt: fromNow(2 * HOUR),
            participantIds: ['00000000-0000-4000-8000-000000000000'],
          },
        });
        expect(refused.status).toBe(400);
        expect((await h.planner.jobs.list({ type: REMINDER_JOB, limit: 500 })).items).toHaveLength(before);
      });

      it('reminds at once of an event starting sooner than REMINDER_MINUTES, with the real time left', async () => {
        const org = await h.user('Soon');
        const ann = await h.user('SoonAnn');
        const event = await createEvent(org.token, 'Fire drill', fromNow(5 * MINUTE + 20_000), [ann.id]);
        const [note] = await waitFor(
          () => reminders(ann.token),
          (items) => items.length === 1,
        );
        expect(note).toMatchObject({ eventId: event.id, readAt: null });
        expect(note!.message).toBe(`"Fire drill" starts in 5 minutes (${event.startsAt.slice(11, 16)} UTC).`);
        expect(await reminders(org.token)).toEqual([]);
      });
    });

    describe('with REMINDER_MINUTES=1 (real waits of about a second)', () => {
      beforeAll(async () => {
        h = await startPlanner(database, { ADMIN_EMAILS: `one-${ADMIN}`, REMINDER_MINUTES: '1' });
        admin = await h.user('Admin1', `one-${ADMIN}`);
      });
      afterAll(async () => {
        await h?.stop();
      });

      it('reminds every participant who has not declined, once, when the reminder is due', async () => {
        const org = await h.user('Org1');
        const [ann, bob, cid] = await Promise.all(['Ann1', 'Bob1', 'Cid1'].map((name) => h.user(name)));
        const startsAt = fromNow(MINUTE + 1500);
        const event = await createEvent(org.token, 'Demo', startsAt, [ann!.id, bob!.id, cid!.id]);
        const declined = await h.call('PATCH', `/api/v1/events/${event.id}/participants/${cid!.id}/status`, {
          token: cid!.token,
          body: { status: 'declined' },
        });
        expect(declined.status).toBe(200);
        const [job] = await remindersOf(event.id);
        expect(Date.parse(job!.runAt)).toBe(Date.parse(event.startsAt) - MINUTE);
        expect(job!.state).toBe('waiting');

        for (const who of [ann!, bob!]) {
          const [note] = await waitFor(
            () => reminders(who.token),
            (items) => items.length > 0,
            8000,
          );
          expect(note).toMatchObject({
            type: 'event_reminder',
            eventId: event.id,
            message: `"Demo" starts in 1 minute (${event.startsAt.slice(11, 16)} UTC).`,
          });
          // Not before the due time.
          expect(Date.parse(note!.createdAt)).toBeGreaterThanOrEqual(Date.parse(job!.runAt));
        }
        const done = await waitFor(
          () => h.planner.jobs.get(job!.id),
          (j) => j?.state === 'completed',
        );
        expect(done?.result).toEqual({ reminded: 2 });
        expect(await reminders(cid!.token)).toEqual([]);
        expect(await reminders(org.token)).toEqual([]);

        // The handler run again (at-least-once) adds nothing.
        const type = reminderJob(h.planner.store, 1);
        const ctx = handlerContext(h.planner, job!.id, 2);
        expect(await type.handle({ eventId: event.id }, ctx)).toEqual({ reminded: 0 });
        expect(await reminders(ann!.token)).toHaveLength(1);
        expect(await reminders(bob!.token)).toHaveLength(1);
      });

      it('reminds of each of two events that start at the same time', async () => {
        const org = await h.user('Twin');
        const ann = await h.user('TwinAnn');
        const startsAt = fromNow(MINUTE + 1000);
        const first = await createEvent(org.token, 'First', startsAt, [ann.id]);
        const second = await createEvent(org.token, 'Second', startsAt, [ann.id]);
        const notes = await waitFor(
          () => reminders(ann.token),
          (items) => items.length >= 2,
          8000,
        );
        expect(notes.map((n) => n.eventId).sort()).toEqual([first.id, second.id].sort());
      });

      it('reminds again of an event moved after its reminder ran, never for a cancelled one', async () => {
        const org = await h.user('Again');
        const ann = await h.user('AgainAnn');
        const event = await createEvent(org.token, 'Sync', fromNow(MINUTE + 500), [ann.id]);
        await waitFor(
          () => reminders(ann.token),
          (items) => items.length === 1,
          8000,
        );
        const newStart = fromNow(MINUTE + 1000);
        await move(org.token, event.id, 'Sync', newStart, [ann.id]);
        const notes = await waitFor(
          () => reminders(ann.token),
          (items) => items.length === 2,
          8000,
        );
        expect(notes[0]!.message).toContain(`(${newStart.slice(11, 16)} UTC)`);
        await waitFor(
          async () => (await remindersOf(event.id)).map((j) => j.state),
          (states) => states.join() === 'completed,completed',
        );

        // Deleted before its reminder is due: the reminder is cancelled and nobody hears of it.
        const doomed = await createEvent(org.token, 'Doomed', fromNow(MINUTE + 700), [ann.id]);
        expect((await h.call('DELETE', `/api/v1/events/${doomed.id}`, { token: org.token })).status).toBe(204);
        await new Promise((resolve) => setTimeout(resolve, 1200));
        expect((await remindersOf(doomed.id)).map((j) => j.state)).toEqual(['cancelled']);
        expect((await reminders(ann.token)).filter((n) => n.eventId === doomed.id)).toEqual([]);
      });
    });
  });
}
