/** What every job does (the workload decides: count, sleep, stamp a time). */
export type JobBody = () => void | Promise<void>;

/** Where a contender keeps its jobs, made fresh for each run by the runner. */
export interface Place {
  databaseUrl?: string;
  databaseName?: string;
  dataDir?: string;
  redisPrefix?: string;
}

/** How a run sets a contender up. */
export interface ContenderSetup {
  /** The contender's swept setting (Keel prefetch, graphile localQueue.size, pg-boss batchSize, BullMQ concurrency). */
  knob: number;
  /** Jobs run at once. */
  concurrency: number;
  place: Place;
  body: JobBody;
  /** Runs once the enqueue-only side has closed its connections, just before the workers start. */
  beforeWorkers?: () => Promise<void>;
}

/** One queue library, opened for one run: enqueuing only until `startWorkers`. */
export interface Contender {
  /** Enqueues `count` jobs through the bulk API, in calls of `BULK_CHUNK` jobs. */
  enqueueBulk(count: number): Promise<void>;
  /** Enqueues one job; `transactional` puts it in its own database transaction where the library can. */
  enqueueOne(transactional: boolean): Promise<void>;
  startWorkers(): Promise<void>;
  /** Jobs the queue still holds unfinished (waiting, locked or running), by the library's own account. */
  unfinished(): Promise<number>;
  close(): Promise<void>;
}

/** A contender as the runner knows it. */
export interface ContenderKind {
  /** Where it stores jobs: the runner makes a fresh one per run. */
  storage: 'sqlite' | 'postgres' | 'redis';
  /** The settings of a run, as printed beside its figures. */
  describe(knob: number, concurrency: number): string;
  /** The bulk API and how `enqueueOne(true)` is done, as printed in the enqueue table. */
  bulkEnqueue: string;
  singleEnqueue: string;
  /** Count the database's round trips and transactions per job in the backlog drain. */
  probeDatabase?: boolean;
  open(setup: ContenderSetup): Promise<Contender>;
}
