import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineSchedule } from './define-schedule.js';
import { fakeClock, openStore, recordingJob, startScheduler } from './test/harness.js';

for (const dialect of testDialects) {
  describe(`scheduled ticks on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database.drop();
    });

    // Two stores of one process on one SQLite file would block each other's thread: SQLite gets one instance here.
    const instances = dialect === 'postgres' ? 2 : 1;
    it(`enqueues one job per tick from ${instances} instance(s), even after the jobs are deleted`, async () => {
      const clock = fakeClock();
      const recorder = recordingJob();
      const schedule = defineSchedule({
        name: 'every-minute',
        intervalMs: 60_000,
        job: recorder.job,
        payload: { label: 'tick' },
        overlap: 'allow',
      });
      // Completed jobs are deleted at once: only the schedule's own state can stop a second enqueue.
      const options = { schedules: [schedule], types: [recorder.job], clock, jobs: { completedRetentionMs: 0 } };
      const a = await startScheduler(database, options);
      const b = instances === 2 ? await startScheduler(database, options) : a;
      try {
        for (let tick = 1; tick <= 5; tick += 1) {
          clock.advance(60_000);
          await Promise.all([a.scheduler.check(), b.scheduler.check(), a.scheduler.check()]);
        }
        await eventually(async () => (await a.scheduler.runs('every-minute')).every((r) => r.status === 'completed'));
        expect(recorder.runs).toHaveLength(5);
        const runs = await a.scheduler.runs('every-minute');
        expect(runs.map((r) => r.plannedAt.getTime() % 60_000)).toEqual([0, 0, 0, 0, 0]);
        expect(new Set(runs.map((r) => r.plannedAt.getTime())).size).toBe(5);
        expect((await a.jobs.list()).items).toEqual([]);
        // A stale instance that thinks the last tick is older still cannot enqueue a handled tick again.
        await sql`update keel_schedule set last_tick_at = ${clock.ms - 150_000}`.execute(a.store.db);
        await Promise.all([a.scheduler.check(), b.scheduler.check()]);
        // A check enqueues inside its own transaction: once it resolved, a new run or job would be stored.
        expect(await a.scheduler.runs('every-minute')).toHaveLength(5);
        expect((await a.jobs.list()).items).toEqual([]);
        expect(recorder.runs).toHaveLength(5);
        expect((await b.scheduler.status()).schedules[0]).toMatchObject({
          runCount: 5,
          lastRun: { status: 'completed' },
        });
      } finally {
        await a.service.stop();
        if (b !== a) await b.service.stop();
      }
    });

    it('ticks on its own timer with a seconds field, without anyone calling check', async () => {
      const recorder = recordingJob('every-second');
      const schedule = defineSchedule({
        name: 'every-second',
        cron: '* * * * * *',
        job: recorder.job,
        payload: { label: 'sec' },
      });
      const h = await startScheduler(database, { schedules: [schedule], types: [recorder.job] });
      try {
        await eventually(() => recorder.runs.length >= 3, { timeoutMs: 10_000 });
        const runs = (await h.scheduler.runs('every-second')).filter((r) => r.kind === 'tick');
        const planned = runs.map((r) => r.plannedAt.getTime());
        for (let i = 1; i < planned.length; i += 1) expect(planned[i]! - planned[i - 1]!).toBe(1000);
      } finally {
        await h.service.stop();
      }
    });

    it('clears its timer on stop: no check runs afterwards, however long', async () => {
      // Fake timeouts that still follow real time (the store and the queue keep working), which the
      // test can also jump far ahead once the service has stopped.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldAdvanceTime: true });
      try {
        const clock = fakeClock();
        const recorder = recordingJob('stopped');
        const schedule = defineSchedule({
          name: 'stopped',
          intervalMs: 1000,
          job: recorder.job,
          payload: { label: 's' },
        });
        const h = await startScheduler(database, { schedules: [schedule], types: [recorder.job], clock });
        const checks = vi.spyOn(h.scheduler, 'check');
        // The timer runs checks on its own: moving the scheduler's clock is enough for a tick.
        clock.advance(1000);
        await eventually(() => recorder.runs.length === 1);
        expect(checks).toHaveBeenCalled();
        await h.service.stop();
        checks.mockClear();
        clock.advance(60_000);
        await vi.advanceTimersByTimeAsync(60_000);
        expect(checks).not.toHaveBeenCalled();
        expect(await countRuns(database, 'stopped')).toBe(1);
      } finally {
        vi.useRealTimers();
      }
    });
  });
}

// Reads the run count with a short-lived store, the service's being stopped.
async function countRuns(database: TestDatabase, schedule: string): Promise<number> {
  const h = await openStore(database);
  try {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from keel_schedule_run where schedule = ${schedule}`.execute(h.store.db);
    return Number(rows[0]!.n);
  } finally {
    await h.service.stop();
  }
}
