import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/index.js';
import { type Harness, startQueue, waitFor } from '../../src/jobs/test/harness.js';
import type { TestDatabase } from '../../src/testing/index.js';
import { createPrivatePostgres, type PrivatePostgres } from '../../src/testing/index.js';

// The subject is PostgreSQL going away under running workers (SQLite is a file in the process).
describe('PostgreSQL restarted while workers run', () => {
  let server: PrivatePostgres;
  const workers: Harness[] = [];
  const runs = new Map<number, number>();
  const tick = defineJob({
    name: 'tick',
    payload: z.object({ n: z.number() }),
    backoff: { type: 'fixed', delayMs: 50 },
    handler: async ({ n }) => {
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  });

  beforeAll(async () => {
    server = await createPrivatePostgres();
  });
  afterAll(async () => {
    for (const worker of workers) await worker.service.stop();
    server.remove();
  });

  it('reconnect and carry on by themselves; nothing is lost', async () => {
    const database = { options: { databaseUrl: server.url, connectTimeoutMs: 1000 } } as TestDatabase;
    for (let i = 0; i < 2; i += 1) {
      workers.push(await startQueue(database, { types: [tick], concurrency: 5, maxAttempts: 20, pollIntervalMs: 500 }));
    }
    const jobs = workers[0]!.jobs;
    await jobs.enqueueMany(
      tick,
      Array.from({ length: 600 }, (_, n) => ({ payload: { n } })),
    );
    await waitFor(() => runs.size >= 100);
    server.stop();
    const during = runs.size;
    expect(during).toBeLessThan(600);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    server.start();
    await waitFor(() => runs.size === 600, 30_000);
    // Notifications work again after the reconnect: a new job starts well before the 500 ms poll.
    const before = Date.now();
    await jobs.enqueue(tick, { n: 600 });
    await waitFor(() => runs.has(600), 5000);
    expect(Date.now() - before).toBeLessThan(400);
    await waitFor(async () => (await jobs.stats()).queues[0]?.counts.completed === 601, 10_000);
    const stats = (await jobs.stats()).queues[0]!;
    expect(stats.counts).toMatchObject({ waiting: 0, running: 0, failed: 0, completed: 601 });
  }, 60_000);
});
