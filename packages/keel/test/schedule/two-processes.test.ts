import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/schedule/test/harness.js';
import { type Store, sql } from '../../src/store/index.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../src/testing/index.js';

const fixture = fileURLToPath(new URL('./fixtures/scheduler-service.ts', import.meta.url));
// A hang bound for each phase, not a latency expectation: each waits for a few one-second ticks.
const PHASE = { timeoutMs: 30_000, intervalMs: 100 };

async function spawnInstance(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance ${env.INSTANCE} exited with ${code} before ready`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return gone;
}

interface TickRow {
  planned_at: string;
  job_id: string | null;
  status: string;
  kind: string;
}

const tickRows = async (store: Store<unknown>): Promise<TickRow[]> =>
  (
    await sql<TickRow>`
      select planned_at, job_id, status, kind from keel_schedule_run
      where schedule = 'heartbeat' and kind = 'tick' order by planned_at`.execute(store.db)
  ).rows;

const executions = async (store: Store<unknown>): Promise<{ job_id: string; instance: string }[]> =>
  (await sql<{ job_id: string; instance: string }>`select job_id, instance from execution`.execute(store.db)).rows;

// PostgreSQL is the multi-instance case: several hosts share one database.
describe('service processes sharing one PostgreSQL database, a schedule every second', () => {
  let database: TestDatabase;
  let reader: Awaited<ReturnType<typeof openStore>> | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const child of children) await stop(child, 'SIGKILL');
    await reader?.service.stop();
    await database.drop();
  });

  it('enqueue exactly one job per tick, and carry on when one is SIGTERMed or SIGKILLed', async () => {
    const env = { DATABASE_URL: database.databaseUrl! };
    const [a, b] = await Promise.all([
      spawnInstance({ ...env, INSTANCE: 'a' }),
      spawnInstance({ ...env, INSTANCE: 'b' }),
    ]);
    children.push(a, b);
    reader = await openStore(database);
    const store = reader.store;
    const ticks = async () => (await tickRows(store)).length;
    const ranOn = async () => new Set((await executions(store)).map((e) => e.instance));
    /** Resolves once `count` more ticks than now were handled (by whichever instances are up). */
    const moreTicks = async (count: number) => {
      const from = await ticks();
      await eventually(async () => (await ticks()) >= from + count, PHASE);
    };

    // Both instances up: ticks go on and both run jobs.
    await eventually(async () => (await ticks()) >= 3 && (await ranOn()).has('a') && (await ranOn()).has('b'), PHASE);
    expect(await stop(a, 'SIGTERM')).toBe(0);
    // `b` alone for a few ticks, then `c` joins and `b` is killed without a chance to clean up.
    await moreTicks(3);
    const c = await spawnInstance({ ...env, INSTANCE: 'c' });
    children.push(c);
    await eventually(async () => (await ranOn()).has('c'), PHASE);
    await moreTicks(2);
    await stop(b, 'SIGKILL');
    // `c` alone carries on.
    await moreTicks(3);
    expect(await stop(c, 'SIGTERM')).toBe(0);

    const rows = await tickRows(store);
    console.log(`two-processes: ${rows.length} ticks handled`);
    expect(rows.length).toBeGreaterThanOrEqual(11);
    // One run per second from the first tick to the last: none missed, none twice.
    const planned = rows.map((r) => Number(r.planned_at));
    for (let i = 1; i < planned.length; i += 1) expect(planned[i]! - planned[i - 1]!).toBe(1000);
    expect(rows.every((r) => r.job_id !== null && r.status !== 'skipped')).toBe(true);
    const jobs = (
      await sql<{ id: string; state: string }>`select id, state from keel_job where type = 'heartbeat'`.execute(
        store.db,
      )
    ).rows;
    expect(jobs.length).toBe(rows.length);
    const ran = await executions(store);
    // No job ran twice.
    expect(new Set(ran.map((e) => e.job_id)).size).toBe(ran.length);
    // Every job ran, but perhaps the one the SIGKILLed instance held (its lease outlives the test) and
    // one enqueued as the last instance stopped taking work: those are still running or waiting.
    const executed = new Set(ran.map((e) => String(e.job_id)));
    const notRun = jobs.filter((job) => !executed.has(String(job.id)));
    expect(notRun.length).toBeLessThanOrEqual(2);
    for (const job of notRun) expect(['waiting', 'running']).toContain(job.state);
    expect(new Set(ran.map((e) => e.instance))).toEqual(new Set(['a', 'b', 'c']));
  }, 120_000);
});
