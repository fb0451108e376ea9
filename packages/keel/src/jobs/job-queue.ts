import type { Kysely, Transaction } from 'kysely';
import { ConflictError, KeelError, NotFoundError, UnavailableError, ValidationError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { isUniqueViolation, type Store } from '../store/index.js';
import type { JobType } from './define-job.js';
import { buildRows, storeRows } from './enqueue.js';
import { jobsReadinessCheck } from './health.js';
import { isJobId } from './ids.js';
import { createJobMetrics, type JobMetrics } from './metrics.js';
import { type JobQueueOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { rowToJob } from './rows.js';
import { migrateJobTables } from './schema.js';
import { cancelJob } from './sql/cancel-job.js';
import type { JobsDb, SqlTarget } from './sql/db.js';
import { getJob } from './sql/get-job.js';
import { listJobs } from './sql/list-jobs.js';
import { notifyQueue } from './sql/notify.js';
import { rescheduleJob } from './sql/reschedule-job.js';
import { retryJob } from './sql/retry-job.js';
import { type JobStats, readStats } from './stats.js';
import type { EnqueuedJob, EnqueueOptions, Job, JobRef, JobState } from './types.js';
import { wakeBus } from './wake-bus.js';
import { Worker } from './worker.js';

/**
 * A filter and page of {@link JobQueue.list}.
 *
 * @example
 * ```ts
 * const page = await jobs.list({ state: 'failed', limit: 20 });
 * ```
 */
export interface ListJobsQuery {
  /** Default: every state. */
  state?: JobState;
  /** Default: every queue. */
  queue?: string;
  /** Default: every type. */
  type?: string;
  /** Jobs per page, 1 to 500. Default: 50. */
  limit?: number;
  /** The previous page's `nextCursor`. Default: the first page (newest jobs). */
  cursor?: string;
}

/**
 * One page of jobs, newest first.
 *
 * @example
 * ```ts
 * let page = await jobs.list();
 * while (page.nextCursor) page = await jobs.list({ cursor: page.nextCursor });
 * ```
 */
export interface JobPage {
  items: Job[];
  /** Pass as `cursor` for the next page; `null` on the last. */
  nextCursor: string | null;
}

/** Options of operations that can join a store transaction. */
export interface InTransaction<DB> {
  /** Run in this store transaction: takes effect if and only if it commits. Default: none. */
  transaction?: Transaction<DB>;
}

/**
 * The durable job queue component: jobs live in the store's database (SQLite or PostgreSQL); any
 * number of processes enqueue and work them. Depends on the store; add it after the store.
 *
 * @example
 * ```ts
 * const jobs = createJobQueue({ store, types: [sendReminder] });
 * service.add(store).add(jobs);
 * await store.transaction(async (trx) => {
 *   await trx.insertInto('events').values(event).execute();
 *   await jobs.enqueue(sendReminder, { eventId: event.id }, { transaction: trx, runAt: event.remindAt });
 * });
 * ```
 */
export class JobQueue<DB> implements Component {
  readonly name: string;
  readonly dependsOn: readonly string[];
  private readonly store: Store<DB>;
  private readonly settings: ResolvedOptions;
  private metrics: JobMetrics | undefined;
  private worker: Worker | undefined;
  private started = false;

  constructor(options: JobQueueOptions<DB>) {
    this.settings = resolveOptions(options);
    this.store = options.store;
    this.name = this.settings.name;
    this.dependsOn = [this.store.name];
  }

  /** This process's worker id (stored on the jobs it holds). */
  get workerId(): string {
    return this.settings.workerId;
  }

  async start(context: ComponentContext): Promise<void> {
    const target = this.storeTarget();
    const applied = await migrateJobTables(target.db as unknown as Kysely<unknown>, target.dialect);
    for (const migration of applied) context.logger.info({ migration }, 'job queue migration applied');
    this.metrics = createJobMetrics(context.metrics, () => (this.started ? this.target() : undefined));
    if (this.settings.readinessMaxWaitMs !== undefined) {
      context.health.register(jobsReadinessCheck(this.name, () => this.target(), this.settings.readinessMaxWaitMs));
    }
    this.started = true;
    if (!this.settings.work) return;
    const s = this.settings;
    const pool = this.store.connection.pool;
    this.worker = new Worker({
      target,
      location: this.location(),
      listenConfig: pool ? { ...pool.options } : undefined,
      workerId: s.workerId,
      types: s.types,
      queues: s.queues,
      prefetch: s.prefetch,
      leaseMs: s.leaseMs,
      pollIntervalMs: s.pollIntervalMs,
      sweepIntervalMs: s.sweepIntervalMs,
      completedRetentionMs: s.completedRetentionMs,
      defaults: { timeoutMs: s.timeoutMs, backoff: s.backoff },
      logger: context.logger,
      metrics: this.metrics,
    });
    await this.worker.start();
    context.logger.info({ workerId: s.workerId, queues: Object.fromEntries(s.queues) }, 'job worker started');
  }

  beginShutdown(): void {
    this.worker?.stopTaking();
  }

  async stop(context: StopContext): Promise<void> {
    await this.worker?.stop(context);
    this.worker = undefined;
    this.started = false;
  }

  /**
   * Validates the payload (a bad one throws a ValidationError and stores nothing) and stores the job.
   * With a dedupe key held by an unfinished job of the type, returns that job instead.
   */
  async enqueue<I, O, R>(
    type: JobType<I, O, R>,
    payload: I,
    options: EnqueueOptions<Transaction<DB>> = {},
  ): Promise<EnqueuedJob> {
    const { transaction, ...rest } = options;
    const [job] = await this.enqueueMany(type, [{ payload, options: rest }], transaction ? { transaction } : {});
    return job!;
  }

  /** Enqueues many jobs of one type in chunked multi-row inserts, all or nothing; results in input order. */
  async enqueueMany<I, O, R>(
    type: JobType<I, O, R>,
    items: readonly { payload: I; options?: Omit<EnqueueOptions, 'transaction'> }[],
    options: InTransaction<DB> = {},
  ): Promise<EnqueuedJob[]> {
    if (!Array.isArray(items)) {
      throw new ValidationError([{ location: 'options', path: 'items', message: 'must be an array' }]);
    }
    if (typeof type?.parse !== 'function') {
      throw new ValidationError([{ location: 'options', path: 'type', message: 'must be a job type (defineJob)' }]);
    }
    // A job of a type no queue knows would be stored and never run: the queue's set-up is wrong.
    if (!this.knows(type)) {
      throw new KeelError('config', `The job queue "${this.name}" has no job type "${type.name}"; add it to its types`);
    }
    const target = this.target();
    const rows = buildRows(
      items.map((item) => ({ type: type as JobType, payload: item.payload, options: item.options ?? {} })),
      { maxAttempts: this.settings.maxAttempts },
      Date.now(),
    );
    if (rows.length === 0) return [];
    const run = (db: JobsDb) => storeRows({ db, dialect: target.dialect }, rows);
    const results = options.transaction
      ? await run(options.transaction as unknown as JobsDb)
      : rows.length === 1
        ? await run(target.db)
        : await target.db.transaction().execute(run);
    for (const row of rows) this.metrics?.enqueued.inc({ queue: row.queue, type: row.type });
    this.signal(rows.map((r) => ({ queue: r.queue, runAt: r.run_at })));
    return results;
  }

  /**
   * True when this queue was given a job type of this name in its `types`: only those can be
   * enqueued, and an API-only instance declares them too.
   *
   * @example
   * ```ts
   * if (!jobs.knows(sendReminder)) throw new Error('sendReminder is missing from createJobQueue({ types })');
   * ```
   */
  knows(type: JobType<never, unknown, unknown>): boolean {
    return typeof type?.name === 'string' && this.settings.types.has(type.name);
  }

  /** A job by id, or the unfinished job with a type and dedupe key; `undefined` when there is none. */
  async get(ref: JobRef): Promise<Job | undefined> {
    if (!this.validRef(ref)) return undefined;
    const row = await getJob(this.target(), ref);
    return row ? rowToJob(row) : undefined;
  }

  /** Jobs newest first, filtered, keyset-paginated. */
  async list(query: ListJobsQuery = {}): Promise<JobPage> {
    const limit = query.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) {
      throw new ValidationError([{ location: 'query', path: 'limit', message: 'must be an integer from 1 to 500' }]);
    }
    if (query.cursor !== undefined && !isJobId(query.cursor)) {
      throw new ValidationError([{ location: 'query', path: 'cursor', message: 'is not a cursor of this listing' }]);
    }
    const rows = await listJobs(this.target(), {
      limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.queue ? { queue: query.queue } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    const items = rows.slice(0, limit).map(rowToJob);
    return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
  }

  /** Counts per queue and state, and the age of each queue's oldest due waiting job. */
  stats(): Promise<JobStats> {
    return readStats(this.target(), Date.now());
  }

  /**
   * Cancels a waiting or running job (a running one's signal aborts). Returns `false` when no
   * unfinished job matched (unknown, or already completed, failed or cancelled).
   */
  async cancel(ref: JobRef, options: InTransaction<DB> = {}): Promise<boolean> {
    if (!this.validRef(ref)) return false;
    const cancelled = await cancelJob(this.targetIn(options), ref, Date.now());
    if (cancelled && !options.transaction) this.worker?.abort(cancelled.id, new Error('The job was cancelled'));
    return cancelled !== undefined;
  }

  /** Moves a waiting job to `runAt` (e.g. a reminder whose event moved). Returns `false` when no waiting job matched. */
  async reschedule(ref: JobRef, runAt: Date, options: InTransaction<DB> = {}): Promise<boolean> {
    if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
      throw new ValidationError([{ location: 'options', path: 'runAt', message: 'must be a valid Date' }]);
    }
    if (!this.validRef(ref)) return false;
    const target = this.targetIn(options);
    const moved = await rescheduleJob(target, ref, runAt.getTime());
    if (moved) await notifyQueue(target, moved.queue);
    if (moved) this.signal([{ queue: moved.queue, runAt: runAt.getTime() }]);
    return moved !== undefined;
  }

  /** Runs a failed or cancelled job again, now, with a fresh set of attempts. Returns `false` when it is neither. */
  async retry(id: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const retried = await retryJob(this.target(), id, Date.now()).catch((error: unknown) => {
      if (isUniqueViolation(error)) {
        throw new ConflictError('Another unfinished job of this type holds its dedupe key', { cause: error });
      }
      throw error;
    });
    if (retried) await notifyQueue(this.target(), retried.queue);
    if (retried) this.signal([{ queue: retried.queue, runAt: Date.now() }]);
    return retried !== undefined;
  }

  /** The job, or a NotFoundError (also for a malformed id). */
  async require(id: string): Promise<Job> {
    const job = isJobId(id) ? await this.get(id) : undefined;
    if (!job) throw new NotFoundError(`There is no job ${JSON.stringify(String(id).slice(0, 64))}`);
    return job;
  }

  private validRef(ref: JobRef): boolean {
    if (typeof ref === 'string') return isJobId(ref);
    if (ref && typeof ref.type === 'string' && typeof ref.dedupeKey === 'string') return true;
    throw new ValidationError([
      { location: 'options', path: 'ref', message: 'must be a job id or { type, dedupeKey }' },
    ]);
  }

  private target(): SqlTarget {
    if (!this.started) throw new UnavailableError(`The job queue "${this.name}" has not started`);
    return this.storeTarget();
  }

  private storeTarget(): SqlTarget {
    return { db: this.store.db as unknown as JobsDb, dialect: this.store.dialect };
  }

  private targetIn(options: InTransaction<DB>): SqlTarget {
    const target = this.target();
    return options.transaction ? { ...target, db: options.transaction as unknown as JobsDb } : target;
  }

  private location(): string {
    return `${this.store.dialect}:${this.store.connection.location}`;
  }

  // Wakes this process's workers (PostgreSQL workers anywhere get the NOTIFY sent with the insert).
  private signal(jobs: readonly { queue: string; runAt: number }[]): void {
    if (this.store.dialect === 'postgres' || !this.started) return;
    const bus = wakeBus(this.location());
    const now = Date.now();
    const soonest = new Map<string, number>();
    for (const { queue, runAt } of jobs) soonest.set(queue, Math.min(soonest.get(queue) ?? runAt, runAt));
    for (const [queue, runAt] of soonest) {
      if (runAt <= now) bus.emit('wake', queue);
      else if (runAt - now < 60_000) setTimeout(() => bus.emit('wake', queue), runAt - now + 1).unref();
    }
  }
}

/**
 * Creates the {@link JobQueue} component.
 *
 * @example
 * ```ts
 * const jobs = createJobQueue({ store, types: [sendReminder, sendNotification], concurrency: 5 });
 * service.add(store).add(jobs);
 * ```
 */
export function createJobQueue<DB>(options: JobQueueOptions<DB>): JobQueue<DB> {
  return new JobQueue<DB>(options);
}
