import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError, ValidationError } from '../errors/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineJob } from './define-job.js';
import type { ListJobsQuery } from './job-queue.js';
import { type Harness, startQueue } from './test/harness.js';
import type { EnqueueOptions } from './types.js';

for (const dialect of testDialects) {
  describe(`enqueue on ${dialect}`, () => {
    let database: TestDatabase;
    let h: Harness;
    const ran: number[] = [];
    const record = defineJob({
      name: 'record',
      queue: 'ordered',
      payload: z.object({ n: z.number().int() }),
      handler: async ({ n }) => {
        ran.push(n);
      },
    });
    // Registered by no worker here: its jobs stay waiting, so the tests can look at them.
    const idle = defineJob({
      name: 'idle',
      queue: 'idle',
      payload: z.object({ to: z.string().email() }),
      handler: async () => undefined,
    });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startQueue(database, { types: [record, idle], queues: { ordered: { concurrency: 1 } } });
      // The service's own table, to enqueue in the same transaction as its data.
      await h.store.db.schema
        .createTable('event')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .execute();
    });
    afterAll(async () => {
      await h.service.stop();
      await database.drop();
    });

    it('rejects a bad payload with a ValidationError and stores nothing', async () => {
      const attempt = h.jobs.enqueue(idle, { to: 'not an email' });
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ errors: [{ location: 'payload', path: 'to' }] });
      expect((await h.jobs.list({ type: 'idle' })).items).toHaveLength(0);
    });

    it('rejects bad options as a bug of the code: a UsageError (500), not a client error', async () => {
      const attempt = h.jobs.enqueue(idle, { to: 'a@b.co' }, { maxAttempts: 0 });
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      await expect(attempt).rejects.toMatchObject({ code: 'usage', status: 500 });
      await expect(attempt).rejects.toThrow(/maxAttempts/);
      for (const options of [
        { runAt: new Date('nope') },
        { queue: 'bad queue!' },
        { priority: 1.5 },
        { delayMs: -1 },
        { dedupeKey: '' },
        { backoff: { type: 'linear' } },
      ]) {
        await expect(h.jobs.enqueue(idle, { to: 'a@b.co' }, options as EnqueueOptions<never>)).rejects.toBeInstanceOf(
          UsageError,
        );
      }
      const batch = h.jobs.enqueueMany(idle, [
        { payload: { to: 'a@b.co' } },
        { payload: { to: 'a@b.co' }, options: { timeoutMs: 0 } },
      ]);
      await expect(batch).rejects.toThrow(/items\.1\.options: timeoutMs/);
      await expect(h.jobs.enqueueMany(idle, 'nope' as never)).rejects.toBeInstanceOf(UsageError);
      await expect(h.jobs.enqueue({ name: 'idle' } as never, {})).rejects.toBeInstanceOf(UsageError);
      await expect(h.jobs.reschedule('x', new Date('nope'))).rejects.toBeInstanceOf(UsageError);
      await expect(h.jobs.cancel({ type: 'idle' } as never)).rejects.toBeInstanceOf(UsageError);
      expect((await h.jobs.list({ type: 'idle' })).items).toHaveLength(0);
    });

    it('refuses a bad listing query from code with a UsageError', async () => {
      for (const query of [{ limit: 0 }, { limit: 501 }, { limit: 2.5 }, { cursor: 'zzz' }, { state: 'done' }]) {
        await expect(h.jobs.list(query as ListJobsQuery)).rejects.toBeInstanceOf(UsageError);
      }
      expect((await h.jobs.list({ limit: 500 })).items).toEqual(expect.any(Array));
    });

    it('refuses a job type the queue was not given: its jobs would never run', async () => {
      const stranger = defineJob({ name: 'stranger', payload: z.object({}), handler: async () => undefined });
      const attempt = h.jobs.enqueue(stranger, {});
      await expect(attempt).rejects.toMatchObject({ code: 'config', status: 500 });
      await expect(attempt).rejects.toThrow(/has no job type "stranger"/);
      expect(h.jobs.knows(idle)).toBe(true);
      expect(h.jobs.knows(stranger)).toBe(false);
      expect((await h.jobs.list({ type: 'stranger' })).items).toHaveLength(0);
    });

    it('stores every option', async () => {
      const runAt = new Date(Date.now() + 3_600_000);
      const { id, existing } = await h.jobs.enqueue(
        idle,
        { to: 'a@b.co' },
        { runAt, priority: 7, maxAttempts: 3, timeoutMs: 1000, backoff: { type: 'fixed', delayMs: 10 } },
      );
      expect(existing).toBe(false);
      const job = await h.jobs.get(id);
      expect(job).toMatchObject({
        id,
        type: 'idle',
        queue: 'idle',
        state: 'waiting',
        payload: { to: 'a@b.co' },
        priority: 7,
        attempts: 0,
        maxAttempts: 3,
        errors: [],
      });
      expect(job?.runAt.getTime()).toBe(runAt.getTime());
    });

    it('returns the unfinished job holding a dedupe key, and can move or cancel it by key', async () => {
      const first = await h.jobs.enqueue(idle, { to: 'a@b.co' }, { dedupeKey: 'reminder:1', delayMs: 60_000 });
      const second = await h.jobs.enqueue(idle, { to: 'c@d.co' }, { dedupeKey: 'reminder:1' });
      expect(second).toEqual({ id: first.id, existing: true });
      const later = new Date(Date.now() + 7_200_000);
      expect(await h.jobs.reschedule({ type: 'idle', dedupeKey: 'reminder:1' }, later)).toBe(true);
      expect((await h.jobs.get(first.id))?.runAt.getTime()).toBe(later.getTime());
      expect(await h.jobs.cancel({ type: 'idle', dedupeKey: 'reminder:1' })).toBe(true);
      expect((await h.jobs.get(first.id))?.state).toBe('cancelled');
      expect(await h.jobs.cancel({ type: 'idle', dedupeKey: 'reminder:1' })).toBe(false);
      const third = await h.jobs.enqueue(idle, { to: 'e@f.co' }, { dedupeKey: 'reminder:1' });
      expect(third.existing).toBe(false);
      expect(third.id).not.toBe(first.id);
    });

    it('stores a job enqueued in a transaction if and only if it commits', async () => {
      const committed = await h.store.transaction(async (trx) => {
        await sql`insert into event (id) values (1)`.execute(trx);
        return h.jobs.enqueue(idle, { to: 'a@b.co' }, { transaction: trx, dedupeKey: 'tx-commit' });
      });
      expect((await h.jobs.get(committed.id))?.state).toBe('waiting');
      let rolledBack = '';
      await expect(
        h.store.transaction(async (trx) => {
          await sql`insert into event (id) values (2)`.execute(trx);
          rolledBack = (await h.jobs.enqueue(idle, { to: 'a@b.co' }, { transaction: trx })).id;
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(rolledBack).not.toBe('');
      expect(await h.jobs.get(rolledBack)).toBeUndefined();
      const { rows } = await sql<{ id: number }>`select id from event order by id`.execute(h.store.db);
      expect(rows.map((r) => Number(r.id))).toEqual([1]);
    });

    it('joins the transaction it is called in without being handed it (store.transaction)', async () => {
      let rolledBack = '';
      let rolledBackMany: string[] = [];
      await expect(
        h.store.transaction(async () => {
          await sql`insert into event (id) values (3)`.execute(h.store.currentTransaction()!);
          rolledBack = (await h.jobs.enqueue(idle, { to: 'a@b.co' })).id;
          rolledBackMany = (
            await h.jobs.enqueueMany(idle, [{ payload: { to: 'b@b.co' } }, { payload: { to: 'c@b.co' } }])
          ).map((j) => j.id);
          // Nested store.transaction joins the outer one, and so does the enqueue in it.
          await h.store.transaction(async () => h.jobs.enqueue(idle, { to: 'd@b.co' }, { dedupeKey: 'nested' }));
          expect((await h.jobs.list({ type: 'idle' })).items.length).toBeGreaterThan(0);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(rolledBack).not.toBe('');
      for (const id of [rolledBack, ...rolledBackMany]) expect(await h.jobs.get(id)).toBeUndefined();
      expect(await h.jobs.get({ type: 'idle', dedupeKey: 'nested' })).toBeUndefined();

      const committed = await h.store.transaction(async () => {
        await sql`insert into event (id) values (4)`.execute(h.store.currentTransaction()!);
        return h.jobs.enqueue(idle, { to: 'a@b.co' }, { dedupeKey: 'ambient-commit', delayMs: 60_000 });
      });
      expect((await h.jobs.get(committed.id))?.state).toBe('waiting');

      // Cancel and reschedule join it too: rolled back, the job is as it was.
      const later = new Date(Date.now() + 9_000_000);
      await expect(
        h.store.transaction(async () => {
          expect(await h.jobs.reschedule(committed.id, later)).toBe(true);
          expect(await h.jobs.cancel(committed.id)).toBe(true);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const kept = await h.jobs.get(committed.id);
      expect(kept?.state).toBe('waiting');
      expect(kept?.runAt.getTime()).not.toBe(later.getTime());
      await h.store.transaction(async () => {
        expect(await h.jobs.cancel(committed.id)).toBe(true);
      });
      expect((await h.jobs.get(committed.id))?.state).toBe('cancelled');
    });

    it('enqueues thousands of jobs in one batch, all or nothing, deduplicating inside it', async () => {
      const items = Array.from({ length: 5000 }, (_, i) => ({
        payload: { to: `u${i}@x.co` },
        options: { dedupeKey: `bulk:${i % 4000}`, delayMs: 60_000 },
      }));
      const results = await h.jobs.enqueueMany(idle, items);
      expect(results).toHaveLength(5000);
      expect(new Set(results.map((r) => r.id)).size).toBe(4000);
      expect(results.slice(4000).every((r) => r.existing)).toBe(true);
      expect(results[4000]!.id).toBe(results[0]!.id);
      const bad = [...items.slice(0, 10), { payload: { to: 'nope' }, options: {} }];
      await expect(h.jobs.enqueueMany(idle, bad)).rejects.toBeInstanceOf(ValidationError);
    });

    it('runs higher priority first, then earlier runAt, then FIFO', async () => {
      ran.length = 0;
      const base = Date.now() - 1000;
      // Enqueued in one batch so the worker sees them together.
      await h.jobs.enqueueMany(record, [
        { payload: { n: 4 }, options: { runAt: new Date(base + 20) } },
        { payload: { n: 5 }, options: { runAt: new Date(base + 20) } },
        { payload: { n: 1 }, options: { priority: 10, runAt: new Date(base + 50) } },
        { payload: { n: 3 }, options: { runAt: new Date(base + 10) } },
        { payload: { n: 2 }, options: { priority: 10, runAt: new Date(base + 60) } },
        { payload: { n: 9 }, options: { priority: -1, runAt: new Date(base) } },
      ]);
      await eventually(() => ran.length === 6);
      expect(ran).toEqual([1, 2, 3, 4, 5, 9]);
    });

    it('runs a delayed job once it is due, not before', async () => {
      ran.length = 0;
      const enqueuedAt = Date.now();
      const { id } = await h.jobs.enqueue(record, { n: 42 }, { delayMs: 400 });
      const waiting = await h.jobs.get(id);
      expect(waiting?.runAt.getTime()).toBeGreaterThanOrEqual(enqueuedAt + 400);
      const job = await eventually(async () => {
        const found = await h.jobs.get(id);
        return found?.state === 'completed' && found;
      });
      expect(ran).toEqual([42]);
      // It started no earlier than it was due.
      expect(job.startedAt!.getTime()).toBeGreaterThanOrEqual(waiting!.runAt.getTime());
    });
  });
}
