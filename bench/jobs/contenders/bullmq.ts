import { createPostgresBackend, type JobType, type Processor, Queue, runMigrations, Worker, withBackend } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BULK_CHUNK, chunks, redisUrl } from '../common.js';
import type { Contender, ContenderKind, ContenderSetup } from '../contender.js';

// Its docs advise dropping finished jobs rather than letting them accumulate.
const jobOptions = { removeOnComplete: true };

/** What the bench uses of a BullMQ queue, on either backend. */
interface QueueLike {
  addBulk(jobs: { name: string; data: { n: number } }[]): Promise<unknown>;
  add(name: string, data: { n: number }): Promise<unknown>;
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** A backend: its queue, how to start a worker, and what to clean up after. */
interface Backend {
  queue: QueueLike;
  startWorker(processor: Processor, concurrency: number): Promise<{ close(): Promise<void> }>;
  cleanUp(): Promise<void>;
}

async function redisBackend(setup: ContenderSetup): Promise<Backend> {
  const connect = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = setup.place.redisPrefix!;
  const connection = connect();
  const queue = new Queue('noop', { connection, prefix, defaultJobOptions: jobOptions });
  return {
    queue,
    async startWorker(processor, concurrency) {
      const worker = new Worker('noop', processor, { connection: connect(), prefix, concurrency });
      await worker.waitUntilReady();
      return worker;
    },
    async cleanUp() {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    },
  };
}

// The docs advise a pool as large as the concurrency; capped so the shared server keeps connections.
const poolMax = (concurrency: number): number => Math.min(concurrency + 2, 30);

async function postgresBackend(setup: ContenderSetup): Promise<Backend> {
  const connectionString = setup.place.databaseUrl!;
  // Connections do not migrate: the docs' explicit deployment step.
  const migrator = new pg.Client({ connectionString });
  await migrator.connect();
  await runMigrations(migrator);
  await migrator.end();
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  const queue = new PgQueue('noop', { connection: { connectionString, max: 4 }, defaultJobOptions: jobOptions });
  return {
    queue,
    async startWorker(processor, concurrency) {
      const worker = new PgWorker('noop', processor, {
        connection: { connectionString, max: poolMax(concurrency) },
        concurrency,
      });
      await worker.waitUntilReady();
      return worker;
    },
    cleanUp: () => queue.close(),
  };
}

function contender(backend: (setup: ContenderSetup) => Promise<Backend>) {
  return async (setup: ContenderSetup): Promise<Contender> => {
    const { queue, startWorker, cleanUp } = await backend(setup);
    let worker: { close(): Promise<void> } | undefined;
    let n = 0;
    return {
      async enqueueBulk(count) {
        for (const jobs of chunks(count, BULK_CHUNK, () => ({ name: 'noop', data: { n: n++ } }))) {
          await queue.addBulk(jobs);
        }
      },
      async enqueueOne() {
        // BullMQ has no transactions: a single add either way.
        await queue.add('noop', { n: n++ });
      },
      async startWorkers() {
        await setup.beforeWorkers?.();
        // BullMQ's knob is the worker's concurrency.
        worker = await startWorker(async () => {
          await setup.body();
        }, setup.knob);
      },
      async unfinished() {
        const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
        return Object.values(counts).reduce((sum, count) => sum + count, 0);
      },
      async close() {
        await worker?.close();
        await cleanUp();
      },
    };
  };
}

const describe = (knob: number): string => `concurrency ${knob}, removeOnComplete`;

/** BullMQ 6 on the local Redis (a unique prefix, obliterated after). */
export const bullmqRedis: ContenderKind = {
  storage: 'redis',
  describe,
  bulkEnqueue: 'addBulk',
  singleEnqueue: 'add (BullMQ has no transactions)',
  open: contender(redisBackend),
};

/** BullMQ 6 on its PostgreSQL backend (a fresh database). */
export const bullmqPostgres: ContenderKind = {
  storage: 'postgres',
  describe: (knob) => `${describe(knob)}, pool max ${poolMax(knob)}`,
  bulkEnqueue: 'addBulk',
  singleEnqueue: 'add (BullMQ has no transactions)',
  open: contender(postgresBackend),
};
