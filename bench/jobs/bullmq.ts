import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { CONCURRENCY, JOBS, type Throughput, whenCount } from './common.js';

/** BullMQ on the local Redis: addBulk of 20,000 no-op jobs, one worker with concurrency 10. */
export async function bullmqThroughput(): Promise<Throughput> {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const prefix = `bench-jobs-${randomBytes(4).toString('hex')}`;
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  const worker = new Worker(
    'noop',
    async () => {
      done += 1;
    },
    { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix, concurrency: CONCURRENCY },
  );
  try {
    await worker.waitUntilReady();
    const started = performance.now();
    await queue.addBulk(
      Array.from({ length: JOBS }, (_, n) => ({
        name: 'noop',
        data: { n },
        opts: { removeOnComplete: true },
      })),
    );
    const enqueued = performance.now();
    await whenCount(() => done, JOBS);
    const totalMs = performance.now() - started;
    return {
      name: 'BullMQ (Redis)',
      settings: `concurrency ${CONCURRENCY}, addBulk, removeOnComplete`,
      enqueueMs: enqueued - started,
      totalMs,
      jobsPerSecond: JOBS / (totalMs / 1000),
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  }
}
