import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/index.js';
import { type Harness, startQueue } from '../../src/jobs/test/harness.js';
import { type Kysely, sql } from '../../src/store/index.js';
import {
  createPrivatePostgres,
  createTestDatabase,
  eventually,
  type PrivatePostgres,
  type TestDatabase,
  testDialects,
} from '../../src/testing/index.js';

const OUTAGES = 3;

function postponedCount(text: string, type: string): number {
  const match = new RegExp(`keel_jobs_postponed_total\\{[^}]*type="${type}"[^}]*\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

for (const dialect of testDialects) {
  describe(`jobs on ${dialect}: a handler that hits the store while it is unavailable`, () => {
    let database: TestDatabase;
    let h: Harness;
    let locker: Database.Database | undefined;
    let runs = 0;

    // The store fails for real: PostgreSQL ends the handler's own session; on SQLite a second
    // connection holds the write lock past the store's busy timeout.
    const unavailableNow = async (db: Kysely<unknown>): Promise<void> => {
      if (dialect === 'postgres') {
        await sql`select pg_terminate_backend(pg_backend_pid())`.execute(db);
        return;
      }
      locker!.exec('BEGIN EXCLUSIVE');
      try {
        await sql`create table if not exists never_written (id integer)`.execute(db);
      } finally {
        locker!.exec('ROLLBACK');
      }
    };
    const flaky = defineJob({
      name: 'flaky',
      payload: z.object({}),
      maxAttempts: 1,
      backoff: { type: 'fixed', delayMs: 10 },
      handler: async () => {
        runs += 1;
        if (runs <= OUTAGES) await unavailableNow(h.store.db as Kysely<unknown>);
        return { runs };
      },
    });
    const broken = defineJob({
      name: 'broken',
      payload: z.object({}),
      maxAttempts: 1,
      handler: async () => {
        throw new Error('a bug, not an outage');
      },
    });

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      const options = dialect === 'sqlite' ? { ...database.options, busyTimeoutMs: 50 } : database.options;
      h = await startQueue({ ...database, options }, { types: [flaky, broken], concurrency: 2 });
      if (dialect === 'sqlite') {
        locker = new Database(h.store.connection.location);
        locker.pragma('busy_timeout = 0');
      }
    });
    afterAll(async () => {
      locker?.close();
      await h?.service.stop();
      await database?.drop();
    });

    it('is retried without using up an attempt: one attempt allowed, three outages, completed on attempt 1', async () => {
      const { id } = await h.jobs.enqueue(flaky, {});
      await eventually(async () => (await h.jobs.get(id))?.state === 'completed', { timeoutMs: 20_000 });
      const job = await h.jobs.get(id);
      expect(job).toMatchObject({ state: 'completed', attempts: 1, maxAttempts: 1, errors: [], result: { runs: 4 } });
      expect(runs).toBe(OUTAGES + 1);
      expect(postponedCount(await h.service.metrics.text(), 'flaky')).toBe(OUTAGES);
    });

    it('still uses up attempts on the handler’s own errors', async () => {
      const { id } = await h.jobs.enqueue(broken, {});
      await eventually(async () => (await h.jobs.get(id))?.state === 'failed');
      const job = await h.jobs.get(id);
      expect(job).toMatchObject({
        attempts: 1,
        errors: [expect.objectContaining({ message: 'a bug, not an outage' })],
      });
      expect(postponedCount(await h.service.metrics.text(), 'broken')).toBe(0);
    });
  });
}

describe('jobs while their PostgreSQL restarts under running handlers', () => {
  let server: PrivatePostgres;
  let h: Harness | undefined;

  beforeAll(async () => {
    server = await createPrivatePostgres();
  });
  afterAll(async () => {
    await h?.service.stop();
    server.remove();
  });

  it('no job dies of a short outage: every one completes on its first attempt, nothing lost', async () => {
    const JOBS = 10;
    let stopped: () => void = () => undefined;
    const serverDown = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const started = new Set<number>();
    const completedRuns = new Map<number, number>();
    const outageErrors = new Set<number>();
    const slow = defineJob({
      name: 'slow',
      payload: z.object({ n: z.number() }),
      maxAttempts: 1,
      backoff: { type: 'fixed', delayMs: 50 },
      handler: async ({ n }) => {
        started.add(n);
        // The first run of each job reaches the store only once it is down.
        await serverDown;
        try {
          await sql`select 1`.execute(h!.store.db);
        } catch (error) {
          outageErrors.add(n);
          throw error;
        }
        completedRuns.set(n, (completedRuns.get(n) ?? 0) + 1);
      },
    });
    const database = { options: { databaseUrl: server.url, connectTimeoutMs: 1000 } };
    h = await startQueue(database, { types: [slow], concurrency: JOBS, pollIntervalMs: 500 });
    await h.jobs.enqueueMany(
      slow,
      Array.from({ length: JOBS }, (_, n) => ({ payload: { n } })),
    );
    await eventually(() => started.size === JOBS);
    server.stop();
    stopped();
    // Down until every handler has hit the outage.
    await eventually(() => outageErrors.size === JOBS);
    expect(completedRuns.size).toBe(0);
    server.start();
    await eventually(async () => (await h!.jobs.stats()).queues[0]?.counts.completed === JOBS, { timeoutMs: 30_000 });
    const page = await h.jobs.list({ type: 'slow', limit: 100 });
    expect(page.items).toHaveLength(JOBS);
    for (const job of page.items) expect(job).toMatchObject({ state: 'completed', attempts: 1, errors: [] });
    expect([...completedRuns.values()]).toEqual(Array.from({ length: JOBS }, () => 1));
    expect(postponedCount(await h.service.metrics.text(), 'slow')).toBe(JOBS);
  }, 60_000);
});
