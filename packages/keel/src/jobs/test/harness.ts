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
  database: Pick<TestDatabase, 'options'>,
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
