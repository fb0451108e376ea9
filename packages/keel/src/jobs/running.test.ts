import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineJob } from './define-job.js';
import { PermanentJobError } from './errors.js';
import { type Harness, startQueue } from './test/harness.js';

for (const dialect of testDialects) {
  describe(`running jobs on ${dialect}`, () => {
    let database: TestDatabase;
    let h: Harness;
    const seen: { attempt: number; at: number }[] = [];
    let abortReason: unknown;
    const flaky = defineJob({
      name: 'flaky',
      payload: z.object({ failTimes: z.number() }),
      backoff: { type: 'exponential', baseMs: 40, maxMs: 1000, jitter: false },
      handler: async ({ failTimes }, ctx) => {
        seen.push({ attempt: ctx.attempt, at: Date.now() });
        if (ctx.attempt <= failTimes) throw new Error(`boom ${ctx.attempt}`);
        await ctx.progress(100);
        return { ok: ctx.attempt };
      },
    });
    const permanent = defineJob({
      name: 'permanent',
      payload: z.object({}),
      handler: async () => {
        throw new PermanentJobError('the user is gone');
      },
    });
    const slow = defineJob({
      name: 'slow',
      payload: z.object({ ms: z.number() }),
      handler: (payload, ctx) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, payload.ms);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            abortReason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
    });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startQueue(database, {
        types: [flaky, permanent, slow],
        completedRetentionMs: 300,
        sweepIntervalMs: 100,
        leaseMs: 600,
      });
    });
    afterAll(async () => {
      await h.service.stop();
      await database.drop();
    });

    it('retries with backoff until it succeeds, keeping each failed attempt', async () => {
      seen.length = 0;
      const { id } = await h.jobs.enqueue(flaky, { failTimes: 2 }, { maxAttempts: 5 });
      await eventually(async () => (await h.jobs.get(id))?.state === 'completed');
      const job = await h.jobs.get(id);
      expect(job).toMatchObject({ attempts: 3, result: { ok: 3 }, progress: 100 });
      expect(job?.errors.map((e) => [e.attempt, e.message])).toEqual([
        [1, 'boom 1'],
        [2, 'boom 2'],
      ]);
      // Exponential, no jitter: 40 ms after attempt 1, 80 ms after attempt 2.
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(35);
      expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(75);
    });

    it('stays failed after maxAttempts with every error kept', async () => {
      const { id } = await h.jobs.enqueue(
        flaky,
        { failTimes: 99 },
        { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 5 } },
      );
      await eventually(async () => (await h.jobs.get(id))?.state === 'failed');
      const job = await h.jobs.get(id);
      expect(job?.attempts).toBe(3);
      expect(job?.errors.map((e) => e.message)).toEqual(['boom 1', 'boom 2', 'boom 3']);
      expect(job?.finishedAt).toBeInstanceOf(Date);
    });

    it('fails at once on a PermanentJobError', async () => {
      const { id } = await h.jobs.enqueue(permanent, {}, { maxAttempts: 10 });
      await eventually(async () => (await h.jobs.get(id))?.state === 'failed');
      const job = await h.jobs.get(id);
      expect(job).toMatchObject({ attempts: 1, errors: [{ name: 'PermanentJobError', message: 'the user is gone' }] });
    });

    it('aborts a handler past its timeout and counts the attempt as failed', async () => {
      const { id } = await h.jobs.enqueue(slow, { ms: 10_000 }, { timeoutMs: 100, maxAttempts: 1 });
      await eventually(async () => (await h.jobs.get(id))?.state === 'failed');
      const job = await h.jobs.get(id);
      expect(job?.errors[0]).toMatchObject({ attempt: 1, name: 'TimeoutError' });
      expect(abortReason).toMatchObject({ name: 'TimeoutError' });
    });

    it('cancels a running job through its signal, and retries a cancelled one', async () => {
      abortReason = undefined;
      const { id } = await h.jobs.enqueue(slow, { ms: 10_000 });
      await eventually(async () => (await h.jobs.get(id))?.state === 'running');
      expect(await h.jobs.cancel(id)).toBe(true);
      await eventually(() => abortReason !== undefined);
      expect((await h.jobs.get(id))?.state).toBe('cancelled');
      expect(await h.jobs.cancel(id)).toBe(false);
      expect(await h.jobs.retry(id)).toBe(true);
      await eventually(async () => (await h.jobs.get(id))?.state === 'running');
      expect(await h.jobs.cancel(id)).toBe(true);
    });

    it('deletes completed jobs after the retention period', async () => {
      const { id } = await h.jobs.enqueue(flaky, { failTimes: 0 });
      await eventually(async () => (await h.jobs.get(id))?.state === 'completed');
      await eventually(async () => (await h.jobs.get(id)) === undefined, { timeoutMs: 3000 });
    });
  });

  describe(`graceful shutdown on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('waits for running jobs, then releases the ones it must abandon to another worker at once', async () => {
      const started: string[] = [];
      const types = (label: string) => [
        defineJob({
          name: 'nap',
          payload: z.object({ ms: z.number() }),
          handler: async ({ ms }, ctx) => {
            started.push(`${label}:${ctx.id}:${ctx.attempt}`);
            await new Promise((resolve) => setTimeout(resolve, ms));
          },
        }),
      ];
      const first = await startQueue(database, { types: types('first') }, 400);
      const nap = types('first')[0]!;
      const quick = await first.jobs.enqueue(nap, { ms: 100 });
      const long = await first.jobs.enqueue(nap, { ms: 60_000 });
      await eventually(() => started.length === 2);
      const result = await first.service.stop('test');
      expect(result.clean).toBe(false);
      expect(result.abandoned.join('\n')).toContain(long.id);
      const second = await startQueue(database, { types: types('second'), pollIntervalMs: 100 });
      try {
        expect((await second.jobs.get(quick.id))?.state).toBe('completed');
        const released = await second.jobs.get(long.id);
        expect(released?.state === 'waiting' || released?.state === 'running').toBe(true);
        await eventually(() => started.some((s) => s.startsWith(`second:${long.id}`)), { timeoutMs: 3000 });
        // The cut attempt was not counted against the job.
        expect(started.filter((s) => s.startsWith('second'))).toEqual([`second:${long.id}:1`]);
      } finally {
        await second.jobs.cancel(long.id);
        await second.service.stop();
      }
    });
  });
}
