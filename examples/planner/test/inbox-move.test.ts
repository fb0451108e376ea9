import { sql } from 'keel/store';
import { createTestDatabase, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationRepository } from '../src/notifications/repository.js';
import { notificationMigrations } from '../src/notifications/tables.js';
import { type PlannerHarness, startPlanner } from './harness.js';
import { inbox } from './inbox.js';

const ORIGINAL = '2026_11_23_003_notifications';
const MOVE = '2026_12_08_002_notifications_on_keel_notify';

for (const dialect of testDialects) {
  describe(`the inbox's move onto keel/notify on ${dialect}`, () => {
    let database: TestDatabase;
    let h: PlannerHarness;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startPlanner(database);
    });
    afterAll(async () => {
      await h?.stop();
      await database?.drop();
    });

    it('moves every stored notification with its id, user, source key and read time, behind a view of the old table', async () => {
      const ann = await h.user('MoveAnn');
      const bob = await h.user('MoveBob');
      const db = h.planner.store.db;
      // Back to the schema before the move: the original table, holding rows, and no view.
      await sql`drop view notifications`.execute(db);
      if (dialect === 'postgres') await sql`drop function notifications_view_insert()`.execute(db);
      await notificationMigrations(dialect)[ORIGINAL]!.up(db as never);
      const rows = [
        { id: '11111111-1111-4111-8111-111111111111', user: ann.id, at: '2030-01-01T10:00:00.000Z', read: null },
        {
          id: '22222222-2222-4222-8222-222222222222',
          user: ann.id,
          at: '2030-01-02T10:00:00.000Z',
          read: '2030-01-03T08:00:00.000Z',
        },
        { id: '33333333-3333-4333-8333-333333333333', user: bob.id, at: '2030-01-01T11:00:00.000Z', read: null },
      ];
      for (const r of rows) {
        await sql`insert into notifications (id, user_id, type, event_id, message, source_key, created_at, read_at)
          values (${r.id}, ${r.user}, 'event_invited', null, ${`old ${r.id.slice(0, 1)}`}, ${`change:${r.id}`}, ${r.at}, ${r.read})`.execute(
          db,
        );
      }
      await notificationMigrations(dialect)[MOVE]!.up(db as never);

      const annItems = await inbox(h, ann.token);
      expect(annItems).toEqual([
        {
          id: rows[1]!.id,
          type: 'event_invited',
          eventId: null,
          message: 'old 2',
          createdAt: rows[1]!.at,
          readAt: rows[1]!.read,
        },
        {
          id: rows[0]!.id,
          type: 'event_invited',
          eventId: null,
          message: 'old 1',
          createdAt: rows[0]!.at,
          readAt: null,
        },
      ]);
      expect((await inbox(h, bob.token)).map((n) => n.id)).toEqual([rows[2]!.id]);
      // The same source again is a duplicate: the idempotency key came along.
      const again = await new NotificationRepository(h.planner.store).deliver([
        { userId: ann.id, type: 'event_invited', eventId: null, message: 'dup', sourceKey: `change:${rows[0]!.id}` },
      ]);
      expect(again).toBe(0);
      // The view takes inserts like the old table did (ISO times in, ISO times out).
      await db
        .insertInto('notifications')
        .values({
          id: '44444444-4444-4444-8444-444444444444',
          user_id: bob.id,
          type: 'event_updated',
          event_id: null,
          message: 'inserted',
          source_key: 'by-sql',
          created_at: '2030-02-01T00:00:00.123Z',
          read_at: null,
        })
        .execute();
      expect((await inbox(h, bob.token))[0]).toMatchObject({
        message: 'inserted',
        createdAt: '2030-02-01T00:00:00.123Z',
      });
      // The view answers like the old table.
      const viaView = await db
        .selectFrom('notifications')
        .select(['id', 'user_id', 'source_key', 'created_at', 'read_at'])
        .where('user_id', '=', ann.id)
        .orderBy('id')
        .execute();
      expect(viaView).toEqual([
        {
          id: rows[0]!.id,
          user_id: ann.id,
          source_key: `change:${rows[0]!.id}`,
          created_at: rows[0]!.at,
          read_at: null,
        },
        {
          id: rows[1]!.id,
          user_id: ann.id,
          source_key: `change:${rows[1]!.id}`,
          created_at: rows[1]!.at,
          read_at: rows[1]!.read,
        },
      ]);
    });
  });
}
