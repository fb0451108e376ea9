import pg from 'pg';
import PgBoss from 'pg-boss';
import { BULK_CHUNK, chunks } from '../common.js';
import type { Contender, ContenderKind, ContenderSetup } from '../contender.js';

// Its documented minimum: a worker waits this long after each fetch unless notified.
const POLLING_INTERVAL_SECONDS = 0.5;

async function open(setup: ContenderSetup): Promise<Contender> {
  const { knob, concurrency } = setup;
  const connectionString = setup.place.databaseUrl!;
  const boss = new PgBoss({ connectionString, max: concurrency + 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop');
  // Transactions of single sends, handed to pg-boss through its `db` option.
  const pgPool = new pg.Pool({ connectionString, max: 10 });
  pgPool.on('error', () => undefined);
  const workers: string[] = [];
  // Its documented way past the polling interval for an enqueue made in the workers' process.
  const wake = (): void => {
    for (const id of workers) boss.notifyWorker(id);
  };
  let n = 0;
  return {
    async enqueueBulk(count) {
      for (const jobs of chunks(count, BULK_CHUNK, () => ({ name: 'noop', data: { n: n++ } }))) {
        await boss.insert(jobs);
        wake();
      }
    },
    async enqueueOne(transactional) {
      const data = { n: n++ };
      if (!transactional) {
        await boss.send('noop', data);
      } else {
        const client = await pgPool.connect();
        try {
          await client.query('begin');
          await boss.send('noop', data, { db: { executeSql: (text, values) => client.query(text, values) } });
          await client.query('commit');
        } finally {
          client.release();
        }
      }
      wake();
    },
    async startWorkers() {
      await setup.beforeWorkers?.();
      // Concurrency is the number of work() loops; each runs its batch one job at a time.
      for (let i = 0; i < concurrency; i += 1) {
        const id = await boss.work(
          'noop',
          { batchSize: knob, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
          async (jobs) => {
            for (const _job of jobs) await setup.body();
          },
        );
        workers.push(id);
      }
    },
    unfinished: () => boss.getQueueSize('noop', { before: 'completed' }),
    async close() {
      await boss.stop({ graceful: false, wait: true });
      await pgPool.end();
    },
  };
}

/** pg-boss on PostgreSQL: `concurrency` workers taking batches. */
export const pgBoss: ContenderKind = {
  storage: 'postgres',
  describe: (knob, concurrency) =>
    `${concurrency} workers × batchSize ${knob}, pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}, notifyWorker on enqueue`,
  bulkEnqueue: 'insert',
  singleEnqueue: 'send({ db }) in BEGIN/COMMIT',
  open,
};
