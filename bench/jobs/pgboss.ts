import PgBoss from 'pg-boss';
import { CONCURRENCY, freshDatabase, JOBS, type Throughput, whenCount } from './common.js';

// pg-boss 10 waits out its polling interval after every fetch, so throughput comes from batches:
// 10 workers (10 jobs at once), each taking batches of 100 and running them one by one.
const BATCH = 100;

/** pg-boss: insert of 20,000 no-op jobs, worked by 10 workers taking batches. */
export async function pgBossThroughput(): Promise<Throughput> {
  const database = await freshDatabase('pgboss');
  const boss = new PgBoss({ connectionString: database.url, max: CONCURRENCY + 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop');
  let done = 0;
  try {
    for (let i = 0; i < CONCURRENCY; i += 1) {
      await boss.work('noop', { batchSize: BATCH, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const _job of jobs) done += 1;
      });
    }
    const started = performance.now();
    await boss.insert(Array.from({ length: JOBS }, (_, n) => ({ name: 'noop', data: { n } })));
    const enqueued = performance.now();
    await whenCount(() => done, JOBS);
    const totalMs = performance.now() - started;
    return {
      name: 'pg-boss',
      settings: `${CONCURRENCY} workers × batchSize ${BATCH} (run one by one), pollingIntervalSeconds 0.5, insert`,
      enqueueMs: enqueued - started,
      totalMs,
      jobsPerSecond: JOBS / (totalMs / 1000),
    };
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await database.drop();
  }
}
