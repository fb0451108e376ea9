import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../errors/index.js';
import { defineJob, JobQueue } from '../jobs/index.js';
import { Store } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineSchedule } from './define-schedule.js';
import { createScheduler } from './scheduler.js';
import { fakeClock, recordingJob, startScheduler } from './test/harness.js';

const store = new Store<unknown>({ dataDir: '/tmp/keel-schedule-unused' });
const noop = async () => undefined;

describe('createScheduler and scheduler.add (before start)', () => {
  it('takes no schedules at construction, and refuses bad options with one UsageError listing each', async () => {
    const jobs = new JobQueue<unknown>({ store });
    const empty = createScheduler({ store, jobs });
    expect(empty.schedules).toEqual([]);
    // Reading before start is the calling code's mistake too.
    await expect(empty.status()).rejects.toThrow(
      new UsageError('The scheduler "scheduler" has not started: call this once the service has started'),
    );
    const a = defineSchedule({ name: 'a', cron: '@daily', handler: noop });
    let thrown: unknown;
    try {
      createScheduler({
        store: {} as Store<unknown>,
        jobs: { name: 'jobs' } as JobQueue<unknown>,
        schedules: [a, { ...a } as typeof a, a],
        name: 'bad name',
        pollIntervalMs: 0,
        runRetentionMs: 1.5,
        now: Date.now() as never,
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect(thrown).toMatchObject({ code: 'usage', status: 500 });
    expect((thrown as Error).message.replace(/^createScheduler: /, '').split('; ')).toEqual([
      'store must be a store (createStore)',
      'jobs must be a job queue (createJobQueue)',
      'schedules.1 must be a schedule (defineSchedule)',
      'name must be 1-128 letters, digits or ._:-, starting with a letter or digit',
      'pollIntervalMs must be 1 or more',
      'runRetentionMs must be a whole number of ms',
      'now must be a function',
    ]);
    expect(() => createScheduler({ store, jobs, schedules: [a, a] })).toThrow(
      'createScheduler: schedules name two schedules a',
    );
  });

  it("registers a schedule's own job type on the queue, at construction or on add", () => {
    const jobs = new JobQueue<unknown>({ store });
    const a = defineSchedule({ name: 'a', cron: '@daily', handler: noop });
    const b = defineSchedule({ name: 'b', intervalMs: 60_000, handler: noop });
    const given = recordingJob('given');
    const c = defineSchedule({ name: 'c', cron: '@hourly', job: given.job, payload: { label: 'c' } });
    const scheduler = createScheduler({ store, jobs, schedules: [a] });
    expect(jobs.knows(a.jobType!)).toBe(true);
    expect(jobs.knows(b.jobType!)).toBe(false);
    expect(scheduler.add(b, c)).toBe(scheduler);
    expect(jobs.knows(b.jobType!)).toBe(true);
    // A schedule of a given job type registers nothing: that type is the queue's own business.
    expect(jobs.knows(given.job)).toBe(false);
    expect(scheduler.schedules.map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a duplicate name, a look-alike and a clash with a job type of the queue, adding nothing', () => {
    const existing = defineJob({ name: 'report', payload: z.object({}), handler: noop });
    const jobs = new JobQueue<unknown>({ store, types: [existing] });
    const scheduler = createScheduler({ store, jobs });
    const a = defineSchedule({ name: 'a', cron: '@daily', handler: noop });
    const fresh = defineSchedule({ name: 'fresh', cron: '@daily', handler: noop });
    scheduler.add(a);
    expect(() => scheduler.add(fresh, defineSchedule({ name: 'a', cron: '@hourly', handler: noop }))).toThrow(
      new UsageError('The scheduler "scheduler" already has a schedule named a'),
    );
    expect(() => scheduler.add(fresh, { ...fresh, name: 'copy' } as typeof fresh)).toThrow(
      'scheduler.add: argument 1 must be a schedule (defineSchedule)',
    );
    const report = defineSchedule({ name: 'report', cron: '@daily', handler: noop });
    expect(() => scheduler.add(fresh, report)).toThrow(UsageError);
    expect(() => scheduler.add(report)).toThrow(/"report" bring their own job types.*already has job types/);
    expect(scheduler.schedules.map((s) => s.name)).toEqual(['a']);
    expect(jobs.knows(fresh.jobType!)).toBe(false);
  });
});

for (const dialect of testDialects) {
  describe(`one-declaration schedules on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database.drop();
    });

    it('runs a handler schedule on a queue given no types, with the job context, and refuses add after start', async () => {
      const clock = fakeClock();
      const contexts: { id: string; attempt: number; hasStore: boolean; aborted: boolean }[] = [];
      const schedule = defineSchedule({
        name: 'purge-sessions',
        intervalMs: 60_000,
        jobOptions: { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 0 } },
        handler: async (ctx) => {
          contexts.push({
            id: ctx.id,
            attempt: ctx.attempt,
            hasStore: ctx.store !== undefined,
            aborted: ctx.signal.aborted,
          });
          if (ctx.attempt === 1) throw new Error('first attempt fails');
          return { purged: 3 };
        },
      });
      const h = await startScheduler(database, { schedules: [schedule], clock });
      try {
        expect(() => h.scheduler.add(defineSchedule({ name: 'late', cron: '@daily', handler: noop }))).toThrow(
          new UsageError('Schedules must be added before the scheduler "scheduler" starts'),
        );
        clock.advance(60_000);
        await h.scheduler.check();
        const [run] = await h.scheduler.runs('purge-sessions');
        expect(run).toMatchObject({ kind: 'tick', jobId: expect.any(String) });
        const job = await eventually(async () => {
          const found = await h.jobs.get(run!.jobId!);
          return found?.state === 'completed' && found;
        });
        // The schedule's own job type, with its job options: it failed once, then was retried.
        expect(job).toMatchObject({ type: 'purge-sessions', payload: {}, result: { purged: 3 }, maxAttempts: 2 });
        expect(contexts).toEqual([
          { id: run!.jobId, attempt: 1, hasStore: true, aborted: false },
          { id: run!.jobId, attempt: 2, hasStore: true, aborted: false },
        ]);
        await eventually(async () => (await h.scheduler.runs('purge-sessions'))[0]?.status === 'completed');
        const { jobId } = await h.scheduler.trigger('purge-sessions');
        await eventually(async () => (await h.jobs.get(jobId))?.state === 'completed');
        expect(contexts.map((c) => c.id)).toContain(jobId);
      } finally {
        await h.service.stop();
      }
    });

    it('returns the latest runs with a limit, oldest first', async () => {
      const clock = fakeClock();
      const schedule = defineSchedule({ name: 'limited', intervalMs: 60_000, overlap: 'allow', handler: noop });
      const h = await startScheduler(database, { schedules: [schedule], clock });
      try {
        for (let tick = 0; tick < 4; tick += 1) {
          clock.advance(60_000);
          await h.scheduler.check();
        }
        const all = await h.scheduler.runs('limited');
        expect(all).toHaveLength(4);
        const latest = await h.scheduler.runs('limited', { limit: 2 });
        expect(latest.map((r) => r.runKey)).toEqual(all.slice(2).map((r) => r.runKey));
        await expect(h.scheduler.runs('limited', { limit: 0 })).rejects.toThrow(
          new UsageError('scheduler.runs: limit must be 1 or more'),
        );
      } finally {
        await h.service.stop();
      }
    });
  });
}
