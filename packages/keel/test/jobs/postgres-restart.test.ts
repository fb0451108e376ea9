import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/index.js';
import { type Harness, startQueue } from '../../src/jobs/test/harness.js';
import { createPrivatePostgres, eventually, type PrivatePostgres } from '../../src/testing/index.js';

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
    const database = { options: { databaseUrl: server.url, connectTimeoutMs: 1000 } };
    // A poll far longer than the test: after the restart only a NOTIFY can start a new job in time.
    for (let i = 0; i < 2; i += 1) {
      workers.push(
        await startQueue(database, { types: [tick], concurrency: 5, maxAttempts: 20, pollIntervalMs: 120_000 }),
      );
    }
    const jobs = workers[0]!.jobs;
    await jobs.enqueueMany(
      tick,
      Array.from({ length: 600 }, (_, n) => ({ payload: { n } })),
    );
    await eventually(() => runs.size >= 100);
    server.stop();
    const during = runs.size;
    expect(during).toBeLessThan(600);
    // Down until both workers have hit the outage several times (claims retry every 500 ms).
    await eventually(async () => {
      for (const worker of workers) expect(await unavailable(worker)).toBeGreaterThanOrEqual(3);
    });
    server.start();
    await eventually(() => runs.size === 600, { timeoutMs: 30_000 });
    // Notifications work again after the reconnect: with no poll due, a new job starts at once.
    await jobs.enqueue(tick, { n: 600 });
    await eventually(() => runs.has(600), { timeoutMs: 10_000 });
    await eventually(async () => (await jobs.stats()).queues[0]?.counts.completed === 601, { timeoutMs: 10_000 });
    const stats = (await jobs.stats()).queues[0]!;
    expect(stats.counts).toMatchObject({ waiting: 0, running: 0, failed: 0, completed: 601 });
  }, 60_000);
});

/** Operations of one worker's store failed by the outage so far. */
async function unavailable(worker: Harness): Promise<number> {
  const text = await worker.service.metrics.text();
  return [...text.matchAll(/^keel_store_unavailable_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
