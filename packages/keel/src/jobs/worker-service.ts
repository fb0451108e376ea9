import type { Logger } from 'pino';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { type Migration, Store, type StoreConnectionOptions } from '../store/index.js';
import { JobQueue } from './job-queue.js';
import type { JobQueueOptions } from './options.js';

/**
 * Options of {@link createWorkerService}.
 *
 * @example
 * ```ts
 * const options: WorkerServiceOptions = { name: 'worker', store: { databaseUrl }, jobs: { types: [sendReminder] } };
 * ```
 */
export interface WorkerServiceOptions<DB> {
  /** The service's name, in logs and metrics. Default: `worker`. */
  name?: string;
  /** How to reach the database the jobs live in, and the service's own migrations. */
  store: StoreConnectionOptions & { migrations?: Record<string, Migration> };
  /** The queue's options, without the store. */
  jobs: Omit<JobQueueOptions<DB>, 'store'>;
  /** Default: a JSON logger at `info`. */
  logger?: Logger;
  /** How long a shutdown may wait for running jobs before releasing them. Default: 10000 ms. */
  shutdownGraceMs?: number;
}

/** A worker-only process: a service with the store and the job queue, no HTTP server. */
export interface WorkerService<DB> {
  service: Service;
  store: Store<DB>;
  jobs: JobQueue<DB>;
}

/**
 * Builds a worker-only service (store + job queue, no HTTP); `service.run()` starts it and handles
 * SIGTERM with a graceful, time-bounded shutdown.
 *
 * @example
 * ```ts
 * const { service } = createWorkerService({ store: { databaseUrl: process.env.DATABASE_URL }, jobs: { types: [sendReminder] } });
 * await service.run();
 * ```
 */
export function createWorkerService<DB>(options: WorkerServiceOptions<DB>): WorkerService<DB> {
  const name = options.name ?? 'worker';
  const logger = options.logger ?? createLogger({ name });
  const service = new Service({
    name,
    logger,
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
  });
  const store = new Store<DB>(options.store);
  const jobs = new JobQueue<DB>({ ...options.jobs, store });
  service.add(store).add(jobs);
  return { service, store, jobs };
}
