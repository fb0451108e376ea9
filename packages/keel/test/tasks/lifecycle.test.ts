import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExternalServiceError, TimeoutError } from '../../src/errors/index.js';
import {
  defineTask,
  PermanentTaskError,
  type Task,
  TaskCancelledError,
  TaskInterruptedError,
  TaskNotCancellableError,
  TaskNotFinishedError,
  TaskResultExpiredError,
} from '../../src/tasks/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../../src/testing/index.js';
import { gate, sleep, startTasks, type TasksHarness } from './harness.js';

const empty = z.object({});

for (const dialect of testDialects) {
  describe(`tasks on ${dialect}`, () => {
    let database: TestDatabase;
    let h: TasksHarness | undefined;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterEach(async () => {
      await h?.service.stop();
      h = undefined;
    });
    afterAll(async () => {
      await database.drop();
    });

    const settled = (id: string, timeoutMs = 10_000) =>
      eventually(
        async () => {
          const task = await h!.tasks.require(id);
          return ['succeeded', 'failed', 'cancelled', 'expired'].includes(task.state) ? task : false;
        },
        { timeoutMs },
      );

    it('stores progress coalesced and never backwards, and the JSON result', async () => {
      const seen: number[] = [];
      const count = defineTask({
        name: 'count',
        input: z.object({ to: z.number().int() }),
        handler: async (task) => {
          for (let i = 1; i <= task.input.to; i += 1) {
            task.progress(i, task.input.to, { at: i });
            // A stray lower report (a late page, say) must not move it back.
            if (i % 100 === 0) task.progress(i - 50, task.input.to);
            if (i % 50 === 0) await sleep(5);
          }
          return { counted: task.input.to };
        },
      });
      h = await startTasks(database, { types: [count], progressIntervalMs: 100 });
      const task = await h.tasks.create(count, { to: 5000 }, { owner: 'ann' });
      expect(task.state).toBe('queued');
      // Watch the stored value while it runs: it only ever goes up.
      const watching = (async () => {
        for await (const t of h!.tasks.watch(task.id)) if (t.progress) seen.push(t.progress.done);
      })();
      const done = await settled(task.id);
      await watching;
      expect(done.state).toBe('succeeded');
      expect(done.result).toEqual({ counted: 5000 });
      expect(done.progress).toMatchObject({ done: 5000, total: 5000, details: { at: 5000 } });
      expect(seen.length).toBeGreaterThan(1);
      for (let i = 1; i < seen.length; i += 1) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      // 5000 reports over a few hundred ms are a handful of writes, not thousands.
      const metrics = await h.service.metrics.text();
      const writes = Number(/keel_tasks_progress_writes_total\{type="count"[^}]*\} (\d+)/.exec(metrics)?.[1]);
      console.log(`${dialect}: 5000 progress reports -> ${writes} writes`);
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThan(100);
    });

    it('retries a failed attempt, resuming from its last checkpoint', async () => {
      const resumes: unknown[] = [];
      const flaky = defineTask({
        name: 'flaky',
        input: empty,
        maxAttempts: 3,
        backoff: { type: 'fixed', delayMs: 20 },
        handler: async (task) => {
          resumes.push(task.resume);
          const from = (task.resume as { page: number } | null)?.page ?? 0;
          for (let page = from; page < 6; page += 1) {
            task.progress(page + 1, 6);
            await task.checkpoint({ page: page + 1 });
            if (task.attempt === 1 && page === 2) throw new Error('connection reset');
          }
          return { attempts: task.attempt };
        },
      });
      h = await startTasks(database, { types: [flaky] });
      const task = await h.tasks.create(flaky, {}, { owner: 'ann' });
      const done = await settled(task.id);
      expect(done).toMatchObject({ state: 'succeeded', attempts: 2, result: { attempts: 2 }, error: null });
      expect(resumes).toEqual([null, { page: 3 }]);
      expect(done.progress?.done).toBe(6);
    });

    it('fails at once on a PermanentTaskError and keeps the reason', async () => {
      const denied = defineTask({
        name: 'denied',
        input: empty,
        maxAttempts: 5,
        handler: async () => {
          throw new PermanentTaskError('Access to the post is denied');
        },
      });
      h = await startTasks(database, { types: [denied] });
      const done = await settled((await h.tasks.create(denied, {}, { owner: 'ann' })).id);
      expect(done).toMatchObject({
        state: 'failed',
        attempts: 1,
        error: { code: 'failed', message: 'Access to the post is denied' },
      });
      await expect(h.tasks.cancel(done.id)).rejects.toBeInstanceOf(TaskNotCancellableError);
      await expect(h.tasks.openResult(done.id)).rejects.toBeInstanceOf(TaskNotFinishedError);
    });

    it("keeps the registry code of the handler's own error, thrown or as a permanent error's cause", async () => {
      const refused = defineTask({
        name: 'refused',
        input: z.object({ wrapped: z.boolean() }),
        handler: async ({ input }) => {
          const upstream = new ExternalServiceError('VK answered error 15: access denied');
          throw input.wrapped ? new PermanentTaskError(upstream.message, { cause: upstream }) : upstream;
        },
      });
      h = await startTasks(database, { types: [refused] });
      for (const wrapped of [false, true]) {
        const done = await settled((await h.tasks.create(refused, { wrapped }, { owner: 'ann' })).id);
        expect(done.error).toEqual({
          code: 'failed',
          message: 'VK answered error 15: access denied',
          reason: 'external_service',
        });
      }
      const plain = defineTask({
        name: 'plain',
        input: empty,
        handler: async () => {
          throw new Error('no code here');
        },
      });
      await h.service.stop();
      h = await startTasks(database, { types: [plain] });
      const done = await settled((await h.tasks.create(plain, {}, { owner: 'ann' })).id);
      expect(done.error).toEqual({ code: 'failed', message: 'no code here' });
    });

    it('never starts a queued task that was cancelled, and stops a running one through its signal', async () => {
      const started: string[] = [];
      const release = gate();
      let reason: unknown;
      const block = defineTask({
        name: 'block',
        input: z.object({ n: z.number() }),
        handler: async (task) => {
          started.push(task.id);
          await Promise.race([
            release.promise,
            new Promise((_, reject) =>
              task.signal.addEventListener('abort', () => {
                reason = task.signal.reason;
                reject(task.signal.reason);
              }),
            ),
          ]);
        },
      });
      h = await startTasks(database, { types: [block], workers: 1 });
      const first = await h.tasks.create(block, { n: 1 }, { owner: 'ann' });
      await eventually(() => started.length === 1);
      const second = await h.tasks.create(block, { n: 2 }, { owner: 'ann' });
      const cancelled = await h.tasks.cancel(second.id, { owner: 'ann' });
      expect(cancelled.state).toBe('cancelled');
      // Another owner cannot see nor cancel it: not found.
      await expect(h.tasks.cancel(first.id, { owner: 'bob' })).rejects.toMatchObject({ status: 404 });
      const stopping = await h.tasks.cancel(first.id, { owner: 'ann' });
      expect(['cancelling', 'cancelled']).toContain(stopping.state);
      expect(reason).toBeInstanceOf(TaskCancelledError);
      expect((await settled(first.id)).state).toBe('cancelled');
      release.open();
      // The freed worker must not start the cancelled task.
      await sleep(600);
      expect(started).toEqual([first.id]);
      const never = await h.tasks.require(second.id);
      expect(never).toMatchObject({ state: 'cancelled', startedAt: null, attempts: 0 });
      expect((await h.jobs.list({ state: 'waiting' })).items).toHaveLength(0);
    });

    it('ends the task cancelled when its job is cancelled through the jobs admin', async () => {
      let reason: unknown;
      const held = defineTask({
        name: 'held',
        input: empty,
        handler: async (task) => {
          await sleep(60_000, task.signal).catch((error: unknown) => {
            reason = error;
            throw error;
          });
        },
      });
      h = await startTasks(database, { types: [held] });
      const task = await h.tasks.create(held, {}, { owner: 'ann' });
      await eventually(async () => (await h!.tasks.require(task.id)).state === 'running');
      const [job] = (await h.jobs.list({ state: 'running' })).items;
      expect(await h.jobs.cancel(job!.id)).toBe(true);
      expect((await settled(task.id)).state).toBe('cancelled');
      expect(reason).toBeInstanceOf(TaskInterruptedError);
    });

    it('starts a higher-priority task first when every worker is busy', async () => {
      const order: string[] = [];
      const releases = [gate(), gate()];
      const busy = defineTask({
        name: 'busy',
        input: z.object({ n: z.number() }),
        handler: async (task) => {
          await releases[task.input.n]!.promise;
        },
      });
      const work = defineTask({
        name: 'work',
        input: z.object({ label: z.string() }),
        handler: async (task) => {
          order.push(task.input.label);
        },
      });
      h = await startTasks(database, { types: [busy, work], workers: 2 });
      const blockers = [
        await h.tasks.create(busy, { n: 0 }, { owner: 'o' }),
        await h.tasks.create(busy, { n: 1 }, { owner: 'o' }),
      ];
      await eventually(async () => (await h!.tasks.list({ state: 'running' })).items.length === 2);
      const queued: Task[] = [];
      for (let i = 0; i < 20; i += 1) queued.push(await h.tasks.create(work, { label: `low${i}` }, { owner: 'o' }));
      queued.push(await h.tasks.create(work, { label: 'high' }, { owner: 'o', priority: 10 }));
      // One worker frees up: it takes the high-priority task, queued last.
      releases[0]!.open();
      await eventually(() => order.length >= 1);
      expect(order[0]).toBe('high');
      releases[1]!.open();
      for (const task of [...blockers, ...queued]) expect((await settled(task.id)).state).toBe('succeeded');
      // The rest run first in, first out.
      const lows = order.slice(1);
      expect(lows.sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))).toEqual(
        Array.from({ length: 20 }, (_, i) => `low${i}`),
      );
    });

    it('cuts a handler that ignores its signal at its timeout, says so, and ignores its late writes', async () => {
      const late = gate<string>();
      const stubborn = defineTask({
        name: 'stubborn',
        input: empty,
        timeoutMs: 300,
        artifactTypes: ['text/plain'],
        handler: async (task) => {
          task.progress(1, 10);
          await task.checkpoint({ step: 1 });
          await sleep(1500); // ignores task.signal
          task.progress(9, 10);
          const wrote = await task.checkpoint({ step: 9 }).then(
            () => 'stored',
            (error: unknown) => (error instanceof Error ? error.name : 'rejected'),
          );
          late.open(wrote);
          return { late: true };
        },
      });
      const after = defineTask({ name: 'after', input: empty, handler: async () => 'ran' });
      h = await startTasks(database, { types: [stubborn, after], workers: 1 });
      const task = await h.tasks.create(stubborn, {}, { owner: 'ann' });
      const cut = await settled(task.id, 5000);
      expect(cut.state).toBe('failed');
      expect(cut.error).toEqual({ code: 'timeout', message: 'The task ran past its 300 ms timeout' });
      // The only worker is free again at once: another task runs while the stubborn handler still sleeps.
      const next = await h.tasks.create(after, {}, { owner: 'ann' });
      expect((await settled(next.id, 5000)).result).toBe('ran');
      expect(await late.promise).toBe(TimeoutError.name);
      const final = await h.tasks.require(task.id);
      expect(final).toMatchObject({ state: 'failed', result: null, progress: { done: 1, total: 10 } });
    });

    it('holds back tasks beyond the per-owner limit of running tasks', async () => {
      const active = new Map<string, number>();
      let worst = 0;
      const step = defineTask({
        name: 'step',
        input: z.object({ who: z.string() }),
        handler: async (task) => {
          const now = (active.get(task.owner) ?? 0) + 1;
          active.set(task.owner, now);
          worst = Math.max(worst, now);
          await sleep(150);
          active.set(task.owner, now - 1);
        },
      });
      h = await startTasks(database, { types: [step], workers: 4, maxRunningPerOwner: 1, ownerLimitRetryMs: 50 });
      const created: Task[] = [];
      for (let i = 0; i < 3; i += 1) created.push(await h.tasks.create(step, { who: 'ann' }, { owner: 'ann' }));
      created.push(await h.tasks.create(step, { who: 'bob' }, { owner: 'bob' }));
      const bobDone = await settled(created[3]!.id);
      for (const task of created) expect((await settled(task.id)).state).toBe('succeeded');
      expect(worst).toBe(1);
      // Bob did not wait behind Ann's queue.
      const annLast = await h.tasks.require(created[2]!.id);
      expect(bobDone.finishedAt!.getTime()).toBeLessThan(annLast.finishedAt!.getTime());
      const mine = await h.tasks.list({ owner: 'ann', state: 'succeeded', type: 'step', limit: 2 });
      expect(mine.items.map((t) => t.id)).toEqual([created[2]!.id, created[1]!.id]);
      const rest = await h.tasks.list({ owner: 'ann', state: 'succeeded', type: 'step', cursor: mine.nextCursor! });
      expect(rest).toEqual({ items: [expect.objectContaining({ id: created[0]!.id })], nextCursor: null });
    });

    it('aborts the signal at shutdown; the task is queued again and resumes from its checkpoint', async () => {
      const reasons: unknown[] = [];
      const resumes: unknown[] = [];
      const long = (started: () => void) =>
        defineTask({
          name: 'long',
          input: empty,
          handler: async (task) => {
            resumes.push(task.resume);
            started();
            let page = (task.resume as { page: number } | null)?.page ?? 0;
            try {
              for (; page < 10; page += 1) {
                await sleep(task.attempt === 1 ? 100 : 1, task.signal);
                task.progress(page + 1, 10);
                await task.checkpoint({ page: page + 1 });
              }
            } catch (error) {
              reasons.push(task.signal.reason);
              throw error;
            }
            return { page };
          },
        });
      const running = gate();
      const name = `shutdown-${dialect}`;
      h = await startTasks(database, { types: [long(() => running.open())] }, { name });
      const task = await h.tasks.create(
        long(() => undefined),
        {},
        { owner: 'ann' },
      );
      await running.promise;
      await eventually(async () => ((await h!.tasks.require(task.id)).progress?.done ?? 0) >= 2);
      await h.service.stop();
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(TaskInterruptedError);
      const paused = await h.tasks.get(task.id).catch(() => undefined);
      expect(paused).toBeUndefined(); // stopped: the manager refuses reads, so read through a new one
      h = await startTasks(database, { types: [long(() => undefined)] }, { name });
      const done = await settled(task.id);
      expect(done).toMatchObject({ state: 'succeeded', result: { page: 10 }, progress: { done: 10 } });
      const resumedAt = (resumes[1] as { page: number }).page;
      expect(resumedAt).toBeGreaterThanOrEqual(2);
      expect(done.attempts).toBe(1); // an interruption by shutdown does not use an attempt
    });

    it('expires a result past its TTL: 410 and the file is gone', async () => {
      const exporter = defineTask({
        name: 'export',
        input: z.object({ rows: z.number() }),
        resultTtlMs: 800,
        artifactTypes: ['text/csv'],
        handler: async (task) => {
          const lines = async function* () {
            for (let i = 0; i < task.input.rows; i += 1) yield `${i},row ${i}\n`;
          };
          await task.writeArtifact({ filename: 'Комментарии.csv', contentType: 'text/csv; charset=utf-8' }, lines());
          return { rows: task.input.rows };
        },
      });
      h = await startTasks(database, { types: [exporter] });
      const task = await h.tasks.create(exporter, { rows: 1000 }, { owner: 'ann' });
      const done = await settled(task.id);
      expect(done.state).toBe('succeeded');
      expect(done.artifact).toMatchObject({ filename: 'Комментарии.csv', contentType: 'text/csv; charset=utf-8' });
      const opened = await h.tasks.openResult(task.id, { owner: 'ann' });
      if (opened.kind !== 'file') throw new Error('expected a file');
      const text = (await opened.stream.toArray()).join('');
      expect(text.split('\n')).toHaveLength(1001);
      expect(opened.size).toBe(Buffer.byteLength(text));
      const folder = resolve(database.dataDir, 'tasks', task.id);
      expect(existsSync(folder)).toBe(true);
      await sleep(900);
      // Past its TTL it reads as expired before the cleanup ran, and its download is gone.
      expect((await h.tasks.require(task.id)).state).toBe('expired');
      await expect(h.tasks.openResult(task.id)).rejects.toBeInstanceOf(TaskResultExpiredError);
      expect(await h.tasks.expireResults()).toBe(1);
      expect(existsSync(folder)).toBe(false);
      expect(await h.tasks.require(task.id)).toMatchObject({ state: 'expired', result: null, artifact: null });
      expect((await h.tasks.list({ state: 'expired', owner: 'ann' })).items.map((t) => t.id)).toEqual([task.id]);
    });

    it('rejects bad input and bad use with clear errors', async () => {
      const typed = defineTask({
        name: 'typed',
        input: z.object({ postId: z.number().int() }),
        handler: async () => 1,
      });
      h = await startTasks(database, { types: [typed] });
      await expect(h.tasks.create(typed, { postId: 'x' as unknown as number }, { owner: 'a' })).rejects.toMatchObject({
        status: 400,
        errors: [expect.objectContaining({ location: 'body', path: 'postId' })],
      });
      await expect(h.tasks.create(typed, { postId: 1 }, { owner: '' })).rejects.toMatchObject({ code: 'usage' });
      await expect(h.tasks.require('nope')).rejects.toMatchObject({ status: 404 });
      expect(await h.tasks.get('0'.repeat(26))).toBeUndefined();
      await expect(h.tasks.list({ limit: 1000 })).rejects.toMatchObject({ code: 'usage' });
      expect(() => defineTask({ name: 'bad name!', input: empty, handler: async () => 1 })).toThrow(/name/);
    });
  });
}
