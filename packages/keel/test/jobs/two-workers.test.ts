import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, type TestDatabase } from '../../src/testing/index.js';
import { exec, executions, kill, overlaps, spawnWorker, startProducer } from './processes.js';

// PostgreSQL's SKIP LOCKED is the subject: SQLite serves one machine's processes through its single writer.
describe('two worker processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const child of children) await kill(child);
    await database.drop();
  });

  it('never run the same job at the same time, and share the work', async () => {
    const env = { DATABASE_URL: database.databaseUrl!, CONCURRENCY: '10', JOB_MS: '15' };
    const [a, b] = await Promise.all([
      spawnWorker({ ...env, WORKER_NAME: 'a' }),
      spawnWorker({ ...env, WORKER_NAME: 'b' }),
    ]);
    children.push(a, b);
    const producer = await startProducer(database.options);
    try {
      // Enqueued one by one as well as in batches, so both wake-ups race for them.
      for (let n = 0; n < 100; n += 1) await producer.jobs.enqueue(exec, { n });
      await producer.jobs.enqueueMany(
        exec,
        Array.from({ length: 900 }, (_, n) => ({ payload: { n: n + 100 } })),
      );
      await eventually(async () => (await executions(producer.store.db)).filter((e) => e.finished_at).length >= 1000, {
        timeoutMs: 30_000,
      });
      await eventually(async () => (await producer.jobs.stats()).queues[0]?.counts.completed === 1000);
      const all = await executions(producer.store.db);
      expect(all).toHaveLength(1000);
      expect(new Set(all.map((e) => e.job_id)).size).toBe(1000);
      expect(overlaps(all)).toEqual([]);
      expect(all.filter((e) => e.worker === 'a').length).toBeGreaterThan(100);
      expect(all.filter((e) => e.worker === 'b').length).toBeGreaterThan(100);
    } finally {
      await producer.service.stop();
    }
  });
});
