import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';

// Per-job log lines would measure the console, not the queue.
const silent = new Logger(() => () => undefined);

import { CONCURRENCY, freshDatabase, JOBS, type Throughput, whenCount } from './common.js';

/** graphile-worker: addJobs of 20,000 no-op jobs, run with concurrency 10 (optionally with its local queue). */
export async function graphileThroughput(localQueueSize: number | undefined): Promise<Throughput> {
  const database = await freshDatabase('graphile');
  // Our own pool, ended before the database is dropped (a dropped database kills idle connections).
  const pgPool = new pg.Pool({ connectionString: database.url, max: CONCURRENCY + 2 });
  pgPool.on('error', () => undefined);
  const utils = await makeWorkerUtils({ pgPool, logger: silent });
  await utils.migrate();
  let done = 0;
  const runner = await run({
    pgPool,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    logger: silent,
    pollInterval: 2000,
    taskList: {
      noop: async () => {
        done += 1;
      },
    },
    ...(localQueueSize
      ? { preset: { worker: { localQueue: { size: localQueueSize }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
      : {}),
  });
  try {
    const started = performance.now();
    await utils.addJobs(Array.from({ length: JOBS }, (_, n) => ({ identifier: 'noop', payload: { n } })));
    const enqueued = performance.now();
    await whenCount(() => done, JOBS);
    const totalMs = performance.now() - started;
    return {
      name: localQueueSize ? 'graphile-worker (localQueue)' : 'graphile-worker',
      settings: localQueueSize
        ? `concurrency ${CONCURRENCY}, localQueue.size ${localQueueSize}, completeJobBatchDelay 0, addJobs`
        : `concurrency ${CONCURRENCY}, no localQueue, addJobs`,
      enqueueMs: enqueued - started,
      totalMs,
      jobsPerSecond: JOBS / (totalMs / 1000),
    };
  } finally {
    await runner.stop();
    await utils.release();
    await pgPool.end();
    await database.drop();
  }
}
