import { Logger, makeWorkerUtils, type Runner, run } from 'graphile-worker';
import pg from 'pg';
import { BULK_CHUNK, chunks } from '../common.js';
import type { Contender, ContenderKind, ContenderSetup } from '../contender.js';

// Per-job log lines would measure the console, not the queue.
const silent = new Logger(() => () => undefined);

async function open(setup: ContenderSetup): Promise<Contender> {
  const { knob, concurrency } = setup;
  // Our own pool, ended before the database is dropped; sized as graphile-worker's docs advise.
  const pgPool = new pg.Pool({ connectionString: setup.place.databaseUrl, max: Math.max(10, concurrency + 2) });
  // graphile-worker asks for both handlers (a dropped database errors idle clients).
  pgPool.on('error', () => undefined);
  pgPool.on('connect', (client) => client.on('error', () => undefined));
  const utils = await makeWorkerUtils({ pgPool, logger: silent });
  await utils.migrate();
  let runner: Runner | undefined;
  let n = 0;
  return {
    async enqueueBulk(count) {
      for (const specs of chunks(count, BULK_CHUNK, () => ({ identifier: 'noop', payload: { n: n++ } }))) {
        await utils.addJobs(specs);
      }
    },
    async enqueueOne(transactional) {
      const payload = { n: n++ };
      if (!transactional) {
        await utils.addJob('noop', payload);
        return;
      }
      // The documented way to enqueue inside the caller's transaction: the add_job SQL function.
      const client = await pgPool.connect();
      try {
        await client.query('begin');
        await client.query('select graphile_worker.add_job($1, $2::json)', ['noop', JSON.stringify(payload)]);
        await client.query('commit');
      } finally {
        client.release();
      }
    },
    async startWorkers() {
      await setup.beforeWorkers?.();
      runner = await run({
        pgPool,
        concurrency,
        noHandleSignals: true,
        logger: silent,
        taskList: {
          noop: async () => {
            await setup.body();
          },
        },
        // The batching its performance docs advise for throughput.
        preset: { worker: { localQueue: { size: knob }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      });
    },
    async unfinished() {
      // Completed jobs are deleted, so what is left is unfinished.
      const { rows } = await pgPool.query<{ count: string }>('select count(*) from graphile_worker.jobs');
      return Number(rows[0]!.count);
    },
    async close() {
      await runner?.stop();
      await utils.release();
      await pgPool.end();
    },
  };
}

/** graphile-worker on PostgreSQL, with its local queue and batched completion. */
export const graphile: ContenderKind = {
  storage: 'postgres',
  describe: (knob, concurrency) =>
    `concurrency ${concurrency}, localQueue.size ${knob}, completeJobBatchDelay 0, failJobBatchDelay 0`,
  bulkEnqueue: 'addJobs',
  singleEnqueue: 'add_job() in BEGIN/COMMIT',
  open,
};
