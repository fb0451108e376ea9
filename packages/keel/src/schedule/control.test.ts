import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineSchedule } from './define-schedule.js';
import { fakeClock, recordingJob, type SchedulerHarness, startScheduler } from './test/harness.js';

const kinds = async (h: SchedulerHarness, name: string) => (await h.scheduler.runs(name)).map((r) => r.kind);

for (const dialect of testDialects) {
  describe(`pause, resume, trigger and reconcile on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database.drop();
    });

    it('refuses to start a schedule whose job type the queue lacks', async () => {
      const recorder = recordingJob('orphan');
      const schedule = defineSchedule({
        name: 'orphan',
        intervalMs: 60_000,
        job: recorder.job,
        payload: { label: 'x' },
      });
      const other = recordingJob('other');
      const attempt = startScheduler(database, { schedules: [schedule], types: [other.job] });
      await expect(attempt).rejects.toMatchObject({ code: 'config', status: 500 });
      await expect(attempt).rejects.toThrow(/lacks the job types of the schedules "orphan"/);
    });

    it('keeps a pause across a restart, triggers while paused, and resumes without catching up', async () => {
      const clock = fakeClock();
      const recorder = recordingJob('control');
      const schedule = defineSchedule({
        name: 'report',
        intervalMs: 60_000,
        job: recorder.job,
        payload: { label: 'report' },
        missed: 'all',
      });
      const options = { schedules: [schedule], types: [recorder.job], clock };
      const first = await startScheduler(database, options);
      await first.scheduler.pause('report');
      await expect(first.scheduler.pause('nope')).rejects.toBeInstanceOf(NotFoundError);
      await first.service.stop();

      const second = await startScheduler(database, options);
      try {
        expect((await second.scheduler.status()).schedules[0]).toMatchObject({
          name: 'report',
          paused: true,
          nextRunAt: null,
        });
        clock.advance(180_000);
        await second.scheduler.check();
        expect(await kinds(second, 'report')).toEqual([]);
        const { jobId } = await second.scheduler.trigger('report');
        await eventually(async () => (await second.jobs.get(jobId))?.state === 'completed');
        expect(await kinds(second, 'report')).toEqual(['trigger']);
        await second.scheduler.resume('report');
        clock.advance(60_000);
        await second.scheduler.check();
        // The three ticks planned while paused are not caught up, even with missed: 'all'.
        expect(await kinds(second, 'report')).toEqual(['trigger', 'tick']);
        const status = (await second.scheduler.status()).schedules[0]!;
        expect(status).toMatchObject({ paused: false, runCount: 2, intervalMs: 60_000, timezone: 'UTC' });
        expect(Date.parse(status.nextRunAt!)).toBe(Math.floor(clock.ms / 60_000) * 60_000 + 60_000);
      } finally {
        await second.service.stop();
      }
    });

    it('reconciles the declared schedules at start: removed ones stop, changed ones follow their new timing', async () => {
      const clock = fakeClock();
      const recorder = recordingJob('reconcile');
      const declare = (name: string, timing: { cron: string } | { intervalMs: number }) =>
        defineSchedule({ name, ...timing, job: recorder.job, payload: { label: name } });
      // Two stores of one process on one SQLite file would block each other's thread: the still-running
      // old instance is tested on PostgreSQL; on SQLite the first instance declares `legacy` too.
      const old =
        dialect === 'postgres'
          ? await startScheduler(database, {
              schedules: [declare('legacy', { intervalMs: 60_000 })],
              types: [recorder.job],
              clock,
            })
          : undefined;
      const first = await startScheduler(database, {
        schedules: [
          declare('kept', { intervalMs: 60_000 }),
          ...(old ? [] : [declare('legacy', { intervalMs: 60_000 })]),
        ],
        types: [recorder.job],
        clock,
      });
      await first.service.stop();
      // The new version: `kept` now runs every other minute, `legacy` is gone, `fresh` is new.
      const next = await startScheduler(database, {
        schedules: [declare('kept', { cron: '*/2 * * * *' }), declare('fresh', { intervalMs: 60_000 })],
        types: [recorder.job],
        clock,
      });
      try {
        expect((await next.scheduler.status()).schedules.map((s) => [s.name, s.cron ?? s.intervalMs])).toEqual([
          ['kept', '*/2 * * * *'],
          ['fresh', 60_000],
        ]);
        // The fake clock starts 30 s past a full hour: +1 min is an odd minute, +2 min an even one.
        clock.advance(60_000);
        await Promise.all([next.scheduler.check(), old?.scheduler.check()]);
        expect(await kinds(next, 'kept')).toEqual([]);
        expect(await kinds(next, 'fresh')).toEqual(['tick']);
        // Finished before the next tick, which overlap 'skip' would skip otherwise.
        await eventually(async () => (await next.scheduler.runs('fresh'))[0]?.status === 'completed');
        clock.advance(60_000);
        await Promise.all([next.scheduler.check(), old?.scheduler.check()]);
        expect(await kinds(next, 'kept')).toEqual(['tick']);
        // An instance still running the old declarations no longer runs the removed schedule.
        if (old) expect(await kinds(old, 'legacy')).toEqual([]);
        await expect(next.scheduler.runs('legacy')).rejects.toBeInstanceOf(NotFoundError);
        await eventually(() => recorder.runs.length === 3);
      } finally {
        await next.service.stop();
        await old?.service.stop();
      }
    });

    it('runs a warm-up on start, once while it is unfinished however many instances start', async () => {
      const recorder = recordingJob('warm-up');
      const schedule = defineSchedule({
        name: 'warm-cache',
        cron: '0 4 * * *',
        job: recorder.job,
        payload: { label: 'warm' },
        runOnStart: true,
      });
      recorder.close();
      const options = { schedules: [schedule], types: [recorder.job] };
      const first = await startScheduler(database, options);
      await eventually(() => recorder.runs.length === 1);
      const second = await startScheduler(database, options);
      try {
        expect(await kinds(second, 'warm-cache')).toEqual(['start']);
        recorder.open();
        await eventually(async () => (await second.scheduler.runs('warm-cache'))[0]?.status === 'completed');
        expect(recorder.runs).toEqual(['warm']);
      } finally {
        recorder.open();
        await second.service.stop();
        await first.service.stop();
      }
    });
  });
}
