import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/schedule/test/harness.js';
import { sql } from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

const fixture = fileURLToPath(new URL('./fixtures/scheduler-service.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

// PostgreSQL is the multi-instance case: several hosts share one database.
describe('service processes sharing one PostgreSQL database, a schedule every second', () => {
  let database: TestDatabase;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const child of children) await stop(child, 'SIGKILL');
    await database.drop();
  });

  it('enqueue exactly one job per tick, and carry on when one is SIGTERMed or SIGKILLed', async () => {
    const env = { DATABASE_URL: database.databaseUrl! };
    const [a, b] = await Promise.all([
      spawnInstance({ ...env, INSTANCE: 'a' }),
      spawnInstance({ ...env, INSTANCE: 'b' }),
    ]);
    children.push(a, b);
    await sleep(9000);
    expect(await stop(a, 'SIGTERM')).toBe(0);
    // `b` alone for a while, then `c` joins and `b` is killed without a chance to clean up.
    await sleep(4000);
    const c = await spawnInstance({ ...env, INSTANCE: 'c' });
    children.push(c);
    await sleep(6000);
    await stop(b, 'SIGKILL');
    await sleep(6000);
    expect(await stop(c, 'SIGTERM')).toBe(0);

    const reader = await openStore(database);
    try {
      const { rows } = await sql<{ planned_at: string; job_id: string | null; status: string; kind: string }>`
        select planned_at, job_id, status, kind from keel_schedule_run where schedule = 'heartbeat' order by planned_at`.execute(
        reader.store.db,
      );
      const ticks = rows.filter((r) => r.kind === 'tick');
      expect(ticks.length).toBeGreaterThanOrEqual(24);
      // One run per second from the first tick to the last: none missed, none twice.
      const planned = ticks.map((r) => Number(r.planned_at));
      for (let i = 1; i < planned.length; i += 1) expect(planned[i]! - planned[i - 1]!).toBe(1000);
      expect(ticks.every((r) => r.job_id !== null && r.status !== 'skipped')).toBe(true);
      const jobs = await sql<{ n: string }>`select count(*) as n from keel_job where type = 'heartbeat'`.execute(
        reader.store.db,
      );
      expect(Number(jobs.rows[0]!.n)).toBe(ticks.length);
      const executions = await sql<{
        job_id: string;
        instance: string;
      }>`select job_id, instance from execution`.execute(reader.store.db);
      expect(new Set(executions.rows.map((e) => e.job_id)).size).toBe(executions.rows.length);
      // Every job ran, but perhaps the one the SIGKILLed instance held (its lease outlives the test).
      expect(executions.rows.length).toBeGreaterThanOrEqual(ticks.length - 1);
      expect(new Set(executions.rows.map((e) => e.instance))).toEqual(new Set(['a', 'b', 'c']));
    } finally {
      await reader.service.stop();
    }
  }, 45_000);
});
