import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/store/index.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../src/testing/index.js';
import { crawl, resumable } from './fixtures/crawl.js';
import { sleep, startTasks, type TasksHarness } from './harness.js';

const fixture = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

export async function spawnWorker(database: TestDatabase, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, DATABASE_URL: database.databaseUrl!, DATA_DIR: database.dataDir, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code} before ready`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

// Instance A (a child process) runs the task; instance B (this process, which runs no jobs) cancels it.
describe('cancel from another process on postgres', () => {
  let database: TestDatabase;
  let b: TasksHarness;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    b = await startTasks(database, { types: [crawl, resumable] }, { work: false, name: 'two' });
    await sql`create table abort_log (task_id text, at bigint, worker integer)`.execute(b.store.db);
    worker = await spawnWorker(database);
  }, 60_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const gone = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await gone;
    }
    await b?.service.stop();
    await database?.drop();
  });

  it('stops the running handler on the other instance within 2 s, and it is cancelled', async () => {
    const task = await b.tasks.create(crawl, { pages: 100_000 }, { owner: 'ann' });
    await eventually(async () => ((await b.tasks.require(task.id)).progress?.done ?? 0) >= 5, { timeoutMs: 15_000 });
    const cancelledAt = Date.now();
    const asked = await b.tasks.cancel(task.id, { owner: 'ann' });
    expect(asked.state).toBe('cancelling');
    const done = await eventually(
      async () => {
        const t = await b.tasks.require(task.id);
        return t.state === 'cancelled' ? t : false;
      },
      { timeoutMs: 10_000, intervalMs: 10 },
    );
    const { rows } = await sql<{
      at: string;
      worker: number;
    }>`select at, worker from abort_log where task_id = ${task.id}`.execute(b.store.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.worker).toBe(worker!.pid);
    const abortMs = Number(rows[0]!.at) - cancelledAt;
    const cancelledMs = done.finishedAt!.getTime() - cancelledAt;
    console.log(
      `postgres, two processes: handler aborted ${abortMs} ms after cancel; state cancelled after ${cancelledMs} ms`,
    );
    expect(abortMs).toBeLessThan(2000);
    expect(cancelledMs).toBeLessThan(2000);
    // It really stopped: its progress no longer moves.
    const frozen = done.progress!.done;
    await sleep(500);
    expect((await b.tasks.require(task.id)).progress!.done).toBe(frozen);
    expect(done.error).toBeNull();
  });

  it('resumes from its checkpoint on another worker after its worker is killed', async () => {
    const first = await spawnWorker(database, { LEASE_MS: '1000' });
    // The cancel test's worker must not take it: stop it first.
    const gone = new Promise((resolve) => worker!.once('exit', resolve));
    worker!.kill('SIGTERM');
    await gone;
    const task = await b.tasks.create(resumable, { pages: 60 }, { owner: 'ann' });
    await eventually(async () => ((await b.tasks.require(task.id)).progress?.done ?? 0) >= 10, { timeoutMs: 15_000 });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    const before = (await b.tasks.require(task.id)).progress!.done;
    expect((await b.tasks.require(task.id)).state).toBe('running');
    worker = await spawnWorker(database, { LEASE_MS: '1000' });
    const seen: number[] = [];
    const done = await eventually(
      async () => {
        const t = await b.tasks.require(task.id);
        if (t.progress) seen.push(t.progress.done);
        return t.state === 'succeeded' ? t : false;
      },
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    const result = done.result as { resumedFrom: number; attempt: number; pid: number };
    expect(result.pid).toBe(worker.pid);
    expect(result.attempt).toBe(2);
    expect(result.resumedFrom).toBeGreaterThanOrEqual(before - 1);
    expect(done.progress).toMatchObject({ done: 60, total: 60 });
  });

  it('never starts a task cancelled while queued', async () => {
    const task = await b.tasks.create(crawl, { pages: 1 }, { owner: 'ann', delayMs: 500 });
    await b.tasks.cancel(task.id, { owner: 'ann' });
    await sleep(1500);
    expect(await b.tasks.require(task.id)).toMatchObject({ state: 'cancelled', attempts: 0, startedAt: null });
  });
});
