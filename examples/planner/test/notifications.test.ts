import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyJob } from '../src/notifications/notify-job.js';
import { handlerContext, type PlannerHarness, startPlanner } from './harness.js';
import { type InboxItem, inbox, inboxOf, waitFor } from './inbox.js';

const start = '2030-03-10T09:00:00.000Z';
const end = '2030-03-10T10:00:00.000Z';

for (const dialect of testDialects) {
  describe(`planner notifications on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startPlanner(database, { JOB_CONCURRENCY: '4', ADMIN_EMAILS: 'root@example.com' });
    });
    afterAll(async () => {
      await h?.stop();
      await database?.drop();
    });

    /** Every notify job the queue holds (any state). */
    async function notifyJobs() {
      const page = await h.planner.jobs.list({ type: 'planner.notify', limit: 500 });
      return page.items;
    }

    async function settled() {
      await waitFor(
        () => h.planner.jobs.list({ type: 'planner.notify', limit: 500 }),
        (page) => page.items.every((job) => job.state === 'completed'),
      );
    }

    it('tells participants of a new event, not the organizer, with id, type, eventId, message and times', async () => {
      const org = await h.user('Olga');
      const ann = await h.user('Ann');
      const bob = await h.user('Bob');
      const created = await h.call('POST', '/api/v1/events', {
        token: org.token,
        body: { title: 'Kickoff', startsAt: start, endsAt: end, participantIds: [ann.id, bob.id] },
      });
      expect(created.status).toBe(201);
      for (const who of [ann, bob]) {
        const [item, ...rest] = await inboxOf(h, who.token, 1);
        expect(rest).toEqual([]);
        expect(item).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: 'event_invited',
          eventId: created.body.id,
          message: 'You are invited to "Kickoff" on 2030-03-10 09:00 UTC.',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          readAt: null,
        });
        expect(Date.parse(item!.createdAt)).toBeGreaterThanOrEqual(Date.parse(created.body.createdAt));
      }
      await settled();
      expect(await inbox(h, org.token)).toEqual([]);
    });

    it('tells participants of updates (invites newcomers), deletion, and the organizer of RSVP changes', async () => {
      const org = await h.user('Oscar');
      const ann = await h.user('Anna');
      const cid = await h.user('Cid');
      const created = await h.call('POST', '/api/v1/events', {
        token: org.token,
        body: { title: 'Review', startsAt: start, endsAt: end, participantIds: [ann.id] },
      });
      expect(created.status).toBe(201);
      await inboxOf(h, ann.token, 1);

      const updated = await h.call('PUT', `/api/v1/events/${created.body.id}`, {
        token: org.token,
        body: { title: 'Review v2', startsAt: start, endsAt: end, participantIds: [ann.id, cid.id] },
      });
      expect(updated.status).toBe(200);
      const annAfterUpdate = await inboxOf(h, ann.token, 2);
      expect(annAfterUpdate[0]).toMatchObject({
        type: 'event_updated',
        eventId: created.body.id,
        message: '"Review v2" was updated; it starts 2030-03-10 09:00 UTC.',
      });
      const [cidInvite] = await inboxOf(h, cid.token, 1);
      expect(cidInvite).toMatchObject({ type: 'event_invited', message: expect.stringContaining('"Review v2"') });

      const rsvp = await h.call('PATCH', `/api/v1/events/${created.body.id}/participants/${ann.id}/status`, {
        token: ann.token,
        body: { status: 'accepted' },
      });
      expect(rsvp.status).toBe(200);
      const [rsvpNote, ...orgRest] = await inboxOf(h, org.token, 1);
      expect(orgRest).toEqual([]);
      expect(rsvpNote).toMatchObject({
        type: 'rsvp_changed',
        eventId: created.body.id,
        message: 'Anna answered "accepted" to "Review v2".',
      });
      // The same answer again changes nothing and tells nobody.
      const same = await h.call('PATCH', `/api/v1/events/${created.body.id}/participants/${ann.id}/status`, {
        token: ann.token,
        body: { status: 'accepted' },
      });
      expect(same.status).toBe(200);

      const deleted = await h.call('DELETE', `/api/v1/events/${created.body.id}`, { token: org.token });
      expect(deleted.status).toBe(204);
      for (const who of [ann, cid]) {
        const [latest] = await waitFor(
          () => inbox(h, who.token),
          (items) => items[0]?.type === 'event_cancelled',
        );
        expect(latest).toMatchObject({
          eventId: created.body.id,
          message: '"Review v2" on 2030-03-10 09:00 UTC was cancelled.',
        });
      }
      await settled();
      expect((await inbox(h, ann.token)).map((n) => n.type)).toEqual([
        'event_cancelled',
        'event_updated',
        'event_invited',
      ]);
      expect((await inbox(h, cid.token)).map((n) => n.type)).toEqual(['event_cancelled', 'event_invited']);
      expect((await inbox(h, org.token)).map((n) => n.type)).toEqual(['rsvp_changed']);
    });

    it('enqueues the notify job in the write transaction; a failed write (unknown participant) leaves none', async () => {
      await settled();
      const org = await h.user('Tx');
      const ann = await h.user('TxAnn');
      const before = (await notifyJobs()).length;
      const refused = await h.call('POST', '/api/v1/events', {
        token: org.token,
        body: {
          title: 'Ghosts',
          startsAt: start,
          endsAt: end,
          participantIds: [ann.id, '00000000-0000-4000-8000-000000000000'],
        },
      });
      expect(refused.status).toBe(400);
      const created = await h.call('POST', '/api/v1/events', {
        token: org.token,
        body: { title: 'Real', startsAt: start, endsAt: end, participantIds: [ann.id] },
      });
      expect(created.status).toBe(201);
      const refusedUpdate = await h.call('PUT', `/api/v1/events/${created.body.id}`, {
        token: org.token,
        body: {
          title: 'Real',
          startsAt: start,
          endsAt: end,
          participantIds: [ann.id, '00000000-0000-4000-8000-000000000001'],
        },
      });
      expect(refusedUpdate.status).toBe(400);
      await settled();
      const jobs = await notifyJobs();
      expect(jobs.length).toBe(before + 1);
      expect(jobs[0]!.payload).toEqual({
        notifications: [expect.objectContaining({ userId: ann.id, eventId: created.body.id, type: 'event_invited' })],
      });
      expect((await inbox(h, ann.token)).map((n) => n.message)).toEqual([
        'You are invited to "Real" on 2030-03-10 09:00 UTC.',
      ]);
    });

    it('never delivers a notification twice: the handler run again, and the same payload enqueued again', async () => {
      const org = await h.user('Idem');
      const people = await Promise.all(['I1', 'I2', 'I3'].map((name) => h.user(name)));
      const created = await h.call('POST', '/api/v1/events', {
        token: org.token,
        body: { title: 'Twice', startsAt: start, endsAt: end, participantIds: people.map((p) => p.id) },
      });
      expect(created.status).toBe(201);
      await settled();
      const [job] = (await notifyJobs()).filter(
        (j) => (j.payload as { notifications: { eventId: string }[] }).notifications[0]?.eventId === created.body.id,
      );
      expect(job).toMatchObject({ state: 'completed', attempts: 1, result: { delivered: 3, skippedAsDuplicates: 0 } });

      // At-least-once: the handler runs again (a worker died after delivering, before completing).
      const type = notifyJob(h.planner.store);
      const payload = type.parse(job!.payload as { notifications: [] });
      const ctx = handlerContext(h.planner, job!.id, 2);
      expect(await type.handle(payload, ctx)).toEqual({ delivered: 0, skippedAsDuplicates: 3 });
      expect(await type.handle(payload, ctx)).toEqual({ delivered: 0, skippedAsDuplicates: 3 });

      // The same drafts through the queue a second time: the job completes and adds nothing.
      const again = await h.planner.jobs.enqueue(type, payload);
      const done = await waitFor(
        () => h.planner.jobs.get(again.id),
        (j) => j?.state === 'completed',
      );
      expect(done?.result).toEqual({ delivered: 0, skippedAsDuplicates: 3 });
      for (const p of people) {
        const items = await inbox(h, p.token);
        expect(items.filter((n) => n.eventId === created.body.id)).toHaveLength(1);
      }
    });

    it('re-runs a failed notify job from the admin API without duplicating what it delivered', async () => {
      const admin = await h.user('Root', 'root@example.com');
      const ann = await h.user('Fann');
      const type = notifyJob(h.planner.store);
      const ghost = '00000000-0000-4000-8000-00000000beef';
      const draft = (userId: string) => ({
        userId,
        type: 'event_updated' as const,
        eventId: null,
        message: 'Something changed.',
        sourceKey: 'change:retry-test',
      });
      // A recipient that does not exist (yet) breaks the foreign key: the attempt fails, its only one.
      const enqueued = await h.planner.jobs.enqueue(
        type,
        { notifications: [draft(ann.id), draft(ghost)] },
        { maxAttempts: 1 },
      );
      const failed = await waitFor(
        () => h.call('GET', `/admin/jobs/${enqueued.id}`, { token: admin.token }),
        (r) => r.body.state === 'failed',
      );
      expect(failed.body.errors).toHaveLength(1);
      expect(await inbox(h, ann.token)).toEqual([]);

      // Deliver Ann's part by hand (as if a partial run had stored it), then create the missing user.
      expect(await type.handle({ notifications: [draft(ann.id)] }, failedCtx(h))).toEqual({
        delivered: 1,
        skippedAsDuplicates: 0,
      });
      await h.planner.store.db
        .insertInto('users')
        .values({
          id: ghost,
          email: `ghost-${dialect}@example.com`,
          name: 'Ghost',
          password_hash: 'x',
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        })
        .execute();

      const retried = await h.call('POST', `/admin/jobs/${enqueued.id}/retry`, { token: admin.token });
      expect(retried.status).toBe(200);
      const completed = await waitFor(
        () => h.planner.jobs.get(enqueued.id),
        (j) => j?.state === 'completed',
      );
      expect(completed?.result).toEqual({ delivered: 1, skippedAsDuplicates: 1 });
      const annItems: InboxItem[] = await inbox(h, ann.token);
      expect(annItems.map((n) => n.message)).toEqual(['Something changed.']);
      const ghostCount = await h.planner.store.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', ghost)
        .executeTakeFirstOrThrow();
      expect(Number(ghostCount.n)).toBe(1);

      // A completed job cannot be retried (409); its notifications stay single.
      const again = await h.call('POST', `/admin/jobs/${enqueued.id}/retry`, { token: admin.token });
      expect(again.status).toBe(409);
      expect(await inbox(h, ann.token)).toHaveLength(1);
    });

    describe('the inbox API', () => {
      let org: { id: string; token: string };
      let ann: { id: string; token: string };
      let bob: { id: string; token: string };

      beforeAll(async () => {
        org = await h.user('Inbox');
        ann = await h.user('InboxAnn');
        bob = await h.user('InboxBob');
        for (let i = 0; i < 5; i += 1) {
          const created = await h.call('POST', '/api/v1/events', {
            token: org.token,
            body: { title: `Meeting ${i}`, startsAt: start, endsAt: end, participantIds: [ann.id] },
          });
          expect(created.status).toBe(201);
          // Distinct creation times make the newest-first order certain.
          await inboxOf(h, ann.token, i + 1);
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
      });

      it('answers 401 without a token', async () => {
        const list = await h.call('GET', '/api/v1/notifications');
        expect(list.status).toBe(401);
        expect((await h.call('POST', '/api/v1/notifications/read-all')).status).toBe(401);
      });

      it('lists newest first, pages with limit and cursor, filters unread', async () => {
        const first = await h.call('GET', '/api/v1/notifications?limit=2', { token: ann.token });
        expect(first.status).toBe(200);
        expect(first.body.items.map((n: InboxItem) => n.message)).toEqual([
          'You are invited to "Meeting 4" on 2030-03-10 09:00 UTC.',
          'You are invited to "Meeting 3" on 2030-03-10 09:00 UTC.',
        ]);
        expect(first.body.nextCursor).toEqual(expect.any(String));
        const second = await h.call(
          'GET',
          `/api/v1/notifications?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
          { token: ann.token },
        );
        const third = await h.call(
          'GET',
          `/api/v1/notifications?limit=2&cursor=${encodeURIComponent(second.body.nextCursor)}`,
          { token: ann.token },
        );
        expect(second.body.items.map((n: InboxItem) => /Meeting \d/.exec(n.message)?.[0])).toEqual([
          'Meeting 2',
          'Meeting 1',
        ]);
        expect(third.body.items.map((n: InboxItem) => /Meeting \d/.exec(n.message)?.[0])).toEqual(['Meeting 0']);
        expect(third.body.nextCursor).toBeNull();

        expect((await h.call('GET', '/api/v1/notifications?limit=0', { token: ann.token })).status).toBe(400);
        expect((await h.call('GET', '/api/v1/notifications?limit=101', { token: ann.token })).status).toBe(400);
        expect((await h.call('GET', '/api/v1/notifications?cursor=nonsense', { token: ann.token })).status).toBe(400);
        expect((await h.call('GET', '/api/v1/notifications?unread=maybe', { token: ann.token })).status).toBe(400);
        // Nobody else sees Ann's notifications.
        expect(await inbox(h, bob.token)).toEqual([]);
      });

      it('pages without gaps or repeats through notifications delivered at the same instant', async () => {
        const dan = await h.user('InboxDan');
        const drafts = Array.from({ length: 7 }, (_, i) => ({
          userId: dan.id,
          type: 'event_updated' as const,
          eventId: null,
          message: `Batch ${i}`,
          sourceKey: `batch:${i}`,
        }));
        // One job delivers them all with one created_at: the id breaks the tie in order and cursor.
        expect(await notifyJob(h.planner.store).handle({ notifications: drafts }, failedCtx(h))).toEqual({
          delivered: 7,
          skippedAsDuplicates: 0,
        });
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { body: { items: InboxItem[]; nextCursor: string | null } } = await h.call(
            'GET',
            `/api/v1/notifications?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            { token: dan.token },
          );
          seen.push(...page.body.items.map((n) => n.message));
          cursor = page.body.nextCursor;
        } while (cursor);
        expect(seen.sort()).toEqual(drafts.map((d) => d.message).sort());
      });

      it('marks one read (keeping the first read time), refuses others and unknown ids, then all', async () => {
        const [newest, second] = await inbox(h, ann.token);
        const read = await h.call('POST', `/api/v1/notifications/${newest!.id}/read`, { token: ann.token });
        expect(read.status).toBe(200);
        expect(read.body).toMatchObject({ id: newest!.id, type: 'event_invited', readAt: expect.any(String) });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const readAgain = await h.call('POST', `/api/v1/notifications/${newest!.id.toUpperCase()}/read`, {
          token: ann.token,
        });
        expect(readAgain.status).toBe(200);
        expect(readAgain.body.readAt).toBe(read.body.readAt);

        const unread = await h.call('GET', '/api/v1/notifications?unread=true', { token: ann.token });
        expect(unread.body.items.map((n: InboxItem) => n.id)).not.toContain(newest!.id);
        expect(unread.body.items).toHaveLength(4);
        expect(unread.body.items.every((n: InboxItem) => n.readAt === null)).toBe(true);

        const stranger = await h.call('POST', `/api/v1/notifications/${second!.id}/read`, { token: bob.token });
        expect(stranger.status).toBe(403);
        const unknown = await h.call('POST', '/api/v1/notifications/00000000-0000-4000-8000-000000000000/read', {
          token: ann.token,
        });
        expect(unknown.status).toBe(404);
        const malformed = await h.call('POST', '/api/v1/notifications/not-an-id/read', { token: ann.token });
        expect(malformed.status).toBe(404);
        expect(String(malformed.headers['content-type'])).toContain('application/problem+json');

        const all = await h.call('POST', '/api/v1/notifications/read-all', { token: ann.token });
        expect(all.status).toBe(200);
        expect(all.body).toEqual({ updated: 4 });
        expect(await inbox(h, ann.token, true)).toEqual([]);
        const everything = await inbox(h, ann.token);
        expect(everything).toHaveLength(5);
        expect(everything.find((n) => n.id === newest!.id)?.readAt).toBe(read.body.readAt);
        expect((await h.call('POST', '/api/v1/notifications/read-all', { token: ann.token })).body).toEqual({
          updated: 0,
        });
      });
    });
  });
}

function failedCtx(h: PlannerHarness) {
  return handlerContext(h.planner, 'manual');
}
