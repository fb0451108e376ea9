import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../errors/index.js';
import { Service } from '../service/index.js';
import { type Kysely, Store } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineJob } from './define-job.js';
import { JobQueue } from './job-queue.js';
import type { JobContext } from './types.js';

interface NotesDb {
  note: { tag: string };
}

for (const dialect of testDialects) {
  describe(`handlers' context and registered job types on ${dialect}`, () => {
    let database: TestDatabase;
    let service: Service;
    let store: Store<NotesDb>;
    let jobs: JobQueue<NotesDb>;
    const followUps: { from: string; inTransaction: boolean; sameStore: boolean }[] = [];

    // Registered after construction; its queue is worked because a registered type names it.
    const followUp = defineJob({
      name: 'follow-up',
      queue: 'follow',
      payload: z.object({ from: z.string() }),
      handler: async ({ from }, ctx: JobContext<NotesDb>) => {
        followUps.push({
          from,
          inTransaction: ctx.store.currentTransaction() !== undefined,
          sameStore: ctx.store === store,
        });
      },
    });
    // Writes a note and enqueues a follow-up in one transaction, then fails or commits.
    const parent = defineJob({
      name: 'parent',
      payload: z.object({ tag: z.string(), fail: z.boolean() }),
      maxAttempts: 1,
      handler: async ({ tag, fail }, ctx: JobContext<NotesDb>) => {
        await ctx.store.transaction(async (trx) => {
          await trx.insertInto('note').values({ tag }).execute();
          await ctx.enqueue(followUp, { from: tag });
          if (fail) throw new Error('roll back the note and the follow-up');
        });
        return tag;
      },
    });
    // Enqueues outside any transaction.
    const plain = defineJob({
      name: 'plain',
      payload: z.object({ tag: z.string() }),
      handler: async ({ tag }, ctx) => {
        await ctx.enqueue(followUp, { from: tag }, { priority: 3 });
      },
    });

    const followUpsFrom = async (tag: string) =>
      (await jobs.list({ type: 'follow-up', limit: 500 })).items.filter(
        (job) => (job.payload as { from: string }).from === tag,
      );
    const notes = async (tag: string) =>
      (await (store.db as Kysely<NotesDb>).selectFrom('note').select('tag').where('tag', '=', tag).execute()).length;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      service = new Service({ name: 'context-test', logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }) });
      store = new Store<NotesDb>(database.options);
      store.addMigrations({
        '0001_note': {
          up: async (db) => {
            await db.schema.createTable('note').addColumn('tag', 'text').execute();
          },
        },
      });
      // No `types` at construction: everything comes through register().
      jobs = new JobQueue<NotesDb>({ store, pollIntervalMs: 200 });
      expect(jobs.knows(parent)).toBe(false);
      jobs.register(parent, plain).register(followUp);
      service.add(store).add(jobs);
      await service.start();
    });
    afterAll(async () => {
      await service.stop();
      await database.drop();
    });

    it('knows and runs the registered types, and refuses registrations once started', async () => {
      expect([parent, plain, followUp].every((type) => jobs.knows(type))).toBe(true);
      const late = defineJob({ name: 'late', payload: z.object({}), handler: async () => undefined });
      expect(() => jobs.register(late)).toThrow(UsageError);
      expect(() => jobs.register(late)).toThrow(/before the job queue "jobs" starts/);
      expect(jobs.knows(late)).toBe(false);
      await expect(jobs.enqueue(late, {})).rejects.toMatchObject({ code: 'config' });
    });

    it('a follow-up enqueued in a transaction that throws does not exist', async () => {
      const { id } = await jobs.enqueue(parent, { tag: 'rolled-back', fail: true });
      await eventually(async () => (await jobs.get(id))?.state === 'failed');
      expect((await jobs.get(id))?.errors[0]?.message).toBe('roll back the note and the follow-up');
      expect(await followUpsFrom('rolled-back')).toEqual([]);
      expect(await notes('rolled-back')).toBe(0);
      expect(followUps.map((f) => f.from)).not.toContain('rolled-back');
    });

    it('a follow-up enqueued in a transaction that commits exists and runs, outside that transaction', async () => {
      const { id } = await jobs.enqueue(parent, { tag: 'committed', fail: false });
      await eventually(async () => (await jobs.get(id))?.state === 'completed');
      expect(await notes('committed')).toBe(1);
      const [job] = await followUpsFrom('committed');
      expect(job).toBeDefined();
      await eventually(async () => (await jobs.get(job!.id))?.state === 'completed');
      // The follow-up's handler runs on its own, not inside the transaction that enqueued it.
      expect(followUps.filter((f) => f.from === 'committed')).toEqual([
        { from: 'committed', inTransaction: false, sameStore: true },
      ]);
    });

    it('enqueues from a handler outside any transaction, with options', async () => {
      const { id } = await jobs.enqueue(plain, { tag: 'plain' });
      await eventually(async () => (await jobs.get(id))?.state === 'completed');
      const [job] = await followUpsFrom('plain');
      expect(job).toMatchObject({ type: 'follow-up', queue: 'follow', priority: 3 });
      await eventually(() => followUps.some((f) => f.from === 'plain'));
    });
  });
}

describe('JobQueue.register before start', () => {
  const store = new Store<unknown>({ dataDir: '/nonexistent/never-opened' });
  const type = (name: string) => defineJob({ name, payload: z.object({}), handler: async () => undefined });

  it('refuses a name it already knows, from the options or another register', () => {
    const jobs = new JobQueue<unknown>({ store, types: [type('a')] });
    expect(() => jobs.register(type('a'))).toThrow(UsageError);
    expect(() => jobs.register(type('b'), type('b'))).toThrow(/already has a job type named b/);
    jobs.register(type('c'));
    expect(() => jobs.register(type('c'))).toThrow(UsageError);
    expect(jobs.knows(type('a')) && jobs.knows(type('c'))).toBe(true);
    expect(jobs.knows(type('b'))).toBe(false);
  });

  it('refuses what is not a job type', () => {
    const jobs = new JobQueue<unknown>({ store });
    expect(() => jobs.register({ name: 'x' } as never)).toThrow(UsageError);
    expect(() => jobs.register(undefined as never)).toThrow(/argument 0 must be a job type/);
  });
});
