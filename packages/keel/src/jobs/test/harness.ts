import { pino } from 'pino';
import { Service } from '../../service/index.js';
import { Store } from '../../store/index.js';
import type { TestDatabase } from '../../testing/index.js';
import { JobQueue } from '../job-queue.js';
import type { JobQueueOptions } from '../options.js';

/** A started service with a store and a job queue on a test database. */
export interface Harness {
  service: Service;
  store: Store<unknown>;
  jobs: JobQueue<unknown>;
}

/** Starts a service (store + jobs) on `database`; quiet logs unless LOG_LEVEL is set. */
export async function startQueue(
  database: TestDatabase,
  options: Omit<JobQueueOptions<unknown>, 'store'>,
  shutdownGraceMs = 5000,
): Promise<Harness> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const service = new Service({ name: 'jobs-test', logger, shutdownGraceMs });
  const store = new Store<unknown>(database.options);
  const jobs = new JobQueue<unknown>({ pollIntervalMs: 200, ...options, store });
  service.add(store).add(jobs);
  await service.start();
  return { service, store, jobs };
}

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
