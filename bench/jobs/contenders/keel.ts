import { defineJob, JobQueue } from 'keel/jobs';
import { Service } from 'keel/service';
import { Store, type StoreConnectionOptions } from 'keel/store';
import { pino } from 'pino';
import { z } from 'zod';
import { BULK_CHUNK, chunks } from '../common.js';
import type { Contender, ContenderKind, ContenderSetup } from '../contender.js';

async function open(setup: ContenderSetup): Promise<Contender> {
  const { place, knob, concurrency } = setup;
  const connection: StoreConnectionOptions = place.databaseUrl
    ? { databaseUrl: place.databaseUrl }
    : { dataDir: place.dataDir! };
  const type = defineJob({
    name: 'noop',
    payload: z.object({ n: z.number() }),
    handler: async () => {
      await setup.body();
    },
  });
  // Default means no option beyond concurrency; the knob is `prefetch`.
  const launch = async (work: boolean) => {
    const service = new Service({ name: 'bench', logger: pino({ level: 'warn' }) });
    const store = new Store<unknown>(connection);
    const jobs = new JobQueue<unknown>({
      store,
      types: [type],
      work,
      concurrency,
      ...(knob ? { prefetch: knob } : {}),
    });
    service.add(store).add(jobs);
    await service.start();
    return { service, store, jobs };
  };
  let current = await launch(false);
  let n = 0;
  return {
    async enqueueBulk(count) {
      for (const items of chunks(count, BULK_CHUNK, () => ({ payload: { n: n++ } }))) {
        await current.jobs.enqueueMany(type, items);
      }
    },
    async enqueueOne(transactional) {
      const payload = { n: n++ };
      if (!transactional) await current.jobs.enqueue(type, payload);
      else
        await current.store.transaction(async () => {
          await current.jobs.enqueue(type, payload);
        });
    },
    async startWorkers() {
      // The producer-only instance goes first, so its connections' statistics are flushed.
      await current.service.stop();
      await setup.beforeWorkers?.();
      current = await launch(true);
    },
    async unfinished() {
      const { queues } = await current.jobs.stats();
      return queues.reduce((sum, q) => sum + q.counts.waiting + q.counts.running, 0);
    },
    async close() {
      await current.service.stop();
    },
  };
}

const describe = (knob: number, concurrency: number): string =>
  `concurrency ${concurrency}, ${knob ? `prefetch ${knob}` : 'default'}`;

/** Keel's job queue on SQLite (a fresh data dir). */
export const keelSqlite: ContenderKind = {
  storage: 'sqlite',
  describe,
  bulkEnqueue: 'enqueueMany',
  singleEnqueue: 'store.transaction(() => jobs.enqueue)',
  open,
};

/** Keel's job queue on PostgreSQL (a fresh database). */
export const keelPostgres: ContenderKind = { ...keelSqlite, storage: 'postgres', probeDatabase: true };
