import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineSchedule, type MissedPolicy, type OverlapPolicy } from './define-schedule.js';
import { fakeClock, recordingJob, startScheduler } from './test/harness.js';

for (const dialect of testDialects) {
  describe(`overlap and missed-tick policies on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(async () => {
      await database.drop();
    });

    for (const overlap of ['skip', 'allow'] as OverlapPolicy[]) {
      it(`overlap ${overlap}: a tick while the previous run is still running is ${overlap === 'skip' ? 'skipped' : 'run'}`, async () => {
        const clock = fakeClock();
        const recorder = recordingJob(`slow-${overlap}`);
        const name = `overlap-${overlap}`;
        const schedule = defineSchedule({
          name,
          intervalMs: 60_000,
          job: recorder.job,
          payload: { label: 'x' },
          overlap,
        });
        const h = await startScheduler(database, { schedules: [schedule], types: [recorder.job], clock });
        try {
          recorder.close();
          clock.advance(60_000);
          await h.scheduler.check();
          await eventually(() => recorder.runs.length === 1);
          clock.advance(60_000);
          await h.scheduler.check();
          if (overlap === 'allow') await eventually(() => recorder.runs.length === 2);
          else expect((await h.scheduler.runs(name)).map((r) => r.status)).toEqual(['running', 'skipped']);
          recorder.open();
          await eventually(async () =>
            (await h.scheduler.runs(name)).every((r) => ['completed', 'skipped'].includes(r.status)),
          );
          clock.advance(60_000);
          await h.scheduler.check();
          await eventually(async () => (await h.scheduler.runs(name)).at(-1)?.status === 'completed');
          const statuses = (await h.scheduler.runs(name)).map((r) => r.status);
          expect(statuses).toEqual(
            overlap === 'skip' ? ['completed', 'skipped', 'completed'] : ['completed', 'completed', 'completed'],
          );
          expect(recorder.runs).toHaveLength(overlap === 'skip' ? 2 : 3);
          const metrics = await h.service.metrics.text();
          expect(metrics).toMatch(
            new RegExp(
              `keel_schedule_runs_total\\{schedule="${name}",outcome="skipped"[^}]*\\} ${overlap === 'skip' ? 1 : 0}`,
            ),
          );
          expect(metrics).toMatch(
            new RegExp(
              `keel_schedule_runs_total\\{schedule="${name}",outcome="completed"[^}]*\\} ${overlap === 'skip' ? 2 : 3}`,
            ),
          );
        } finally {
          recorder.open();
          await h.service.stop();
        }
      });
    }

    it('missed ticks while every instance was down: skip drops them, once runs one, all runs those in the window', async () => {
      const clock = fakeClock();
      const recorder = recordingJob('catch-up');
      const declare = (missed: MissedPolicy) =>
        defineSchedule({
          name: `missed-${missed}`,
          intervalMs: 60_000,
          job: recorder.job,
          payload: { label: missed },
          missed,
          catchUpWindowMs: 300_000,
        });
      const schedules = [declare('skip'), declare('once'), declare('all')];
      const first = await startScheduler(database, { schedules, types: [recorder.job], clock });
      clock.advance(60_000);
      await first.scheduler.check();
      await eventually(() => recorder.runs.length === 3);
      await first.service.stop();
      // Down for ten minutes: ticks at +2 to +10 min pass with no instance; +11 min is due 30 s late (on time).
      clock.advance(600_000);
      const second = await startScheduler(database, { schedules, types: [recorder.job], clock });
      try {
        await second.scheduler.check();
        const kinds = async (name: string) => {
          const runs = await second.scheduler.runs(name);
          return runs.map((r) => `${r.kind}@${(r.plannedAt.getTime() - runs[0]!.plannedAt.getTime()) / 60_000}`);
        };
        expect(await kinds('missed-skip')).toEqual(['tick@0', 'tick@10']);
        expect(await kinds('missed-once')).toEqual(['tick@0', 'catch-up@9', 'tick@10']);
        // Now is +10.5 min and the window reaches back five minutes: the missed ticks at +6 to +9.
        expect(await kinds('missed-all')).toEqual([
          'tick@0',
          'catch-up@6',
          'catch-up@7',
          'catch-up@8',
          'catch-up@9',
          'tick@10',
        ]);
        await eventually(() => recorder.runs.length === 3 + 1 + 2 + 5);
        const metrics = await second.service.metrics.text();
        expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="missed-skip",outcome="missed"[^}]*\} 9/);
        expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="missed-once",outcome="missed"[^}]*\} 8/);
        expect(metrics).toMatch(/keel_schedule_runs_total\{schedule="missed-all",outcome="missed"[^}]*\} 5/);
      } finally {
        await second.service.stop();
      }
    });
  });
}
