import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineJob, JobQueue } from 'keel/jobs';
import { Service } from 'keel/service';
import { Store, type StoreConnectionOptions } from 'keel/store';
import { pino } from 'pino';
import { z } from 'zod';
import { CONCURRENCY, freshDatabase, JOBS, percentile, type Throughput, whenCount } from './common.js';

type Dialect = 'sqlite' | 'postgres';

async function withQueue<T>(
  dialect: Dialect,
  prefetch: number,
  handler: () => void,
  work: (jobs: JobQueue<unknown>, type: ReturnType<typeof noopType>) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-'));
  const database = dialect === 'postgres' ? await freshDatabase('keel') : undefined;
  const options: StoreConnectionOptions = database ? { databaseUrl: database.url } : { dataDir: dir };
  const service = new Service({ name: 'bench', logger: pino({ level: 'warn' }) });
  const store = new Store<unknown>(options);
  const type = noopType(handler);
  const jobs = new JobQueue<unknown>({ store, types: [type], concurrency: CONCURRENCY, prefetch });
  service.add(store).add(jobs);
  await service.start();
  try {
    return await work(jobs, type);
  } finally {
    await service.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function noopType(handler: () => void) {
  return defineJob({
    name: 'noop',
    payload: z.object({ n: z.number() }),
    handler: async () => {
      handler();
    },
  });
}

/** Keel: enqueue 20,000 no-op jobs in one batch and run them all with concurrency 10. */
export async function keelThroughput(dialect: Dialect, prefetch = 0): Promise<Throughput> {
  let done = 0;
  return withQueue(
    dialect,
    prefetch,
    () => {
      done += 1;
    },
    async (jobs, type) => {
      const started = performance.now();
      await jobs.enqueueMany(
        type,
        Array.from({ length: JOBS }, (_, n) => ({ payload: { n } })),
      );
      const enqueued = performance.now();
      await whenCount(() => done, JOBS);
      const totalMs = performance.now() - started;
      return {
        name: `Keel (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${prefetch ? ', prefetch' : ''})`,
        settings: `concurrency ${CONCURRENCY}, prefetch ${prefetch}${prefetch ? ` (claims of ${CONCURRENCY + prefetch})` : ' (default)'}, enqueueMany`,
        enqueueMs: enqueued - started,
        totalMs,
        jobsPerSecond: JOBS / (totalMs / 1000),
      };
    },
  );
}

/** Keel: time from the enqueue call to the handler starting, one job at a time on an idle queue. */
export async function keelLatency(dialect: Dialect, samples = 300): Promise<{ p50: number; p99: number }> {
  let startedAt = 0;
  let runs = 0;
  return withQueue(
    dialect,
    0,
    () => {
      startedAt = performance.now();
      runs += 1;
    },
    async (jobs, type) => {
      const latencies: number[] = [];
      for (let i = 0; i < samples + 20; i += 1) {
        const before = performance.now();
        await jobs.enqueue(type, { n: i });
        await whenCount(() => runs, i + 1);
        if (i >= 20) latencies.push(startedAt - before);
        // Idle between samples so each job meets a waiting worker.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      latencies.sort((a, b) => a - b);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
    },
  );
}
