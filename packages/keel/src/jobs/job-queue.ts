import type { Transaction } from 'kysely';
import { z } from 'zod';
import { checkOptions, duplicateNames } from '../config/index.js';
import { ConflictError, KeelError, NotFoundError, UnavailableError, UsageError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { isUniqueViolation, type Store } from '../store/index.js';
import type { JobType } from './define-job.js';
import { buildRows, storeRows } from './enqueue.js';
import { jobsReadinessCheck } from './health.js';
import { isJobId } from './ids.js';
import { createJobMetrics, type JobMetrics } from './metrics.js';
import { isJobType, type JobQueueOptions, type ResolvedOptions, resolveOptions, workedQueues } from './options.js';
import { rowToJob } from './rows.js';
import { JOB_MIGRATION_TABLE, jobMigrations } from './schema.js';
import { cancelJob } from './sql/cancel-job.js';
import type { JobsDb, SqlTarget } from './sql/db.js';
import { getJob } from './sql/get-job.js';
import { listJobs } from './sql/list-jobs.js';
import { notifyQueue } from './sql/notify.js';
import { rescheduleJob } from './sql/reschedule-job.js';
import { retryJob } from './sql/retry-job.js';
import { type JobStats, readStats } from './stats.js';
import {
  type EnqueuedJob,
  type EnqueueOptions,
  type Job,
  type JobContext,
  type JobRef,
  type JobState,
  jobStates,
} from './types.js';
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

const listQuerySchema = z.object({
  state: z.enum(jobStates as [JobState, ...JobState[]]).optional(),
  queue: z.string('must be a string').optional(),
  type: z.string('must be a string').optional(),
  limit: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(500, 'must be 500 or less')
    .optional(),
  cursor: z.custom<string>(isJobId, "must be a page's nextCursor").optional(),
});

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

/**
 * Options of operations that can join a store transaction.
 *
 * @example
 * ```ts
 * await store.transaction(async (trx) => {
 *   await trx.deleteFrom('events').where('id', '=', eventId).execute();
 *   await jobs.cancel({ type: 'send-reminder', dedupeKey: eventId }, { transaction: trx });
 * });
 * ```
 */
export interface InTransaction<DB> {
  /**
   * Run in this store transaction: takes effect if and only if it commits. Default: the
   * transaction the caller runs inside through `store.transaction(...)`, if any.
   */
  transaction?: Transaction<DB>;
}

/**
 * The durable job queue component: jobs live in the store's database (SQLite or PostgreSQL); any
 * number of processes enqueue and work them. Depends on the store; add it after the store.
 * Called inside `store.transaction(...)`, every operation joins that transaction: an enqueue exists
 * if and only if it commits, and reads see its writes.
 *
 * @example
 * ```ts
 * const jobs = createJobQueue({ store, types: [sendReminder] });
 * service.add(store).add(jobs);
 * await store.transaction(async (trx) => {
 *   await trx.insertInto('events').values(event).execute();
 *   await jobs.enqueue(sendReminder, { eventId: event.id }, { runAt: event.remindAt }); // joins trx
 * });
 * ```
 */
export class JobQueue<DB> implements Component {
  readonly name: string;
  readonly dependsOn: readonly string[];
  private readonly store: Store<DB>;
  private readonly settings: ResolvedOptions;
  private readonly types = new Map<string, JobType>();
  /** Concurrency set by {@link JobQueue.setConcurrency}, for queues the `queues` option does not name. */
  private readonly concurrencyOf = new Map<string, number>();
  private metrics: JobMetrics | undefined;
  private worker: Worker | undefined;
  /** Set when start begins, never cleared: the types are fixed from then on. */
  private frozen = false;
  private started = false;

  constructor(options: JobQueueOptions<DB>) {
    this.settings = resolveOptions(options);
    this.store = options.store;
    this.name = this.settings.name;
    this.dependsOn = [this.store.name];
    for (const type of options.types ?? []) this.types.set(type.name, type);
  }

  /**
   * Adds job types before start (a feature's, say): they validate enqueues, count for
   * {@link JobQueue.knows}, and this process runs them (their queues are worked unless the
   * `queues` option lists the queues). After start, or for a name already known, throws a UsageError.
   *
   * @example
   * ```ts
   * const jobs = createJobQueue({ store });
   * jobs.register(sendReminder, sendNotification);
   * service.add(store).add(jobs);
   * ```
   */
  register(...types: JobType[]): this {
    if (this.frozen) {
      throw new UsageError(`Job types must be registered before the job queue "${this.name}" starts`);
    }
    const bad = types.findIndex((type) => !isJobType(type));
    if (bad >= 0) throw new UsageError(`register: argument ${bad} must be a job type (defineJob)`);
    const twice = duplicateNames([...this.types.values(), ...types]);
    if (twice.length > 0) {
      throw new UsageError(`The job queue "${this.name}" already has a job type named ${twice.join(', ')}`);
    }
    for (const type of types) this.types.set(type.name, type);
    return this;
  }

  /**
   * Sets how many jobs of a queue this process runs at once (a capability's own queue, say), before
   * start. The `queues` option wins for a queue it names. After start, or for a bad value, throws a UsageError.
   *
   * @example
   * ```ts
   * jobs.register(exportJob).setConcurrency('exports', 2);
   * ```
   */
  setConcurrency(queue: string, concurrency: number): this {
    if (this.frozen) throw new UsageError(`Concurrency must be set before the job queue "${this.name}" starts`);
    if (typeof queue !== 'string' || queue.length === 0) throw new UsageError('setConcurrency: queue must be a name');
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UsageError('setConcurrency: concurrency must be a whole number, 1 or more');
    }
    this.concurrencyOf.set(queue, concurrency);
    return this;
  }

  /** This process's worker id (stored on the jobs it holds). */
  get workerId(): string {
    return this.settings.workerId;
  }

  async start(context: ComponentContext): Promise<void> {
    this.frozen = true;
    const target = this.storeTarget();
    // Same record table as before the store ran every migration set: existing databases carry on.
    await this.store.migrate(
      { table: JOB_MIGRATION_TABLE, migrations: jobMigrations(this.store.dialect) },
      context.logger,
    );
    this.metrics = createJobMetrics(context.metrics, () => (this.started ? this.target() : undefined));
    if (this.settings.readinessMaxWaitMs !== undefined) {
      context.health.register(jobsReadinessCheck(this.name, () => this.target(), this.settings.readinessMaxWaitMs));
    }
    this.started = true;
    if (!this.settings.work) return;
    const s = this.settings;
    const pool = this.store.connection.pool;
    const queues = workedQueues(s, this.types.values());
    for (const [queue, concurrency] of this.concurrencyOf) {
      if (queues.has(queue) && !s.queues?.has(queue)) queues.set(queue, concurrency);
    }
    const shared: Pick<JobContext<DB>, 'store' | 'enqueue'> = {
      store: this.store,
      enqueue: (type, payload, options) => this.enqueue(type, payload, options),
    };
    this.worker = new Worker({
      target,
      location: this.location(),
      listenConfig: pool ? { ...pool.options } : undefined,
      workerId: s.workerId,
      types: this.types,
      queues,
      // Handlers see the store as the `DB` they were written for (JobContext<DB>).
      shared: shared as unknown as Pick<JobContext, 'store' | 'enqueue'>,
      prefetch: s.prefetch,
      claimAheadMs: s.claimAheadMs,
      leaseMs: s.leaseMs,
      pollIntervalMs: s.pollIntervalMs,
      sweepIntervalMs: s.sweepIntervalMs,
      completedRetentionMs: s.completedRetentionMs,
      defaults: { timeoutMs: s.timeoutMs, backoff: s.backoff },
      logger: context.logger,
      metrics: this.metrics,
    });
    await this.worker.start();
    context.logger.info({ workerId: s.workerId, queues: Object.fromEntries(queues) }, 'job worker started');
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
   * Validates the payload (a bad one throws a ValidationError, location `payload`, and stores
   * nothing) and stores the job; bad options throw a UsageError. With a dedupe key held by an
   * unfinished job of the type, returns that job instead. Inside `store.transaction(...)` it joins
   * that transaction unless `options.transaction` names one.
   *
   * @example
   * ```ts
   * const { id } = await jobs.enqueue(sendReminder, { eventId }, { runAt, dedupeKey: `reminder:${eventId}` });
   * ```
   */
  async enqueue<I, O, R>(
    type: JobType<I, O, R>,
    payload: I,
    options: EnqueueOptions<Transaction<DB>> = {},
  ): Promise<EnqueuedJob> {
    const { transaction, ...rest } = options ?? {};
    const [job] = await this.enqueueMany(type, [{ payload, options: rest }], transaction ? { transaction } : {});
    return job!;
  }

  /**
   * Enqueues many jobs of one type in chunked multi-row inserts, all or nothing; results in input
   * order. Joins the caller's `store.transaction(...)` like {@link JobQueue.enqueue}.
   *
   * @example
   * ```ts
   * await jobs.enqueueMany(sendNotification, userIds.map((userId) => ({ payload: { userId } })));
   * ```
   */
  async enqueueMany<I, O, R>(
    type: JobType<I, O, R>,
    items: readonly { payload: I; options?: Omit<EnqueueOptions, 'transaction'> }[],
    options: InTransaction<DB> = {},
  ): Promise<EnqueuedJob[]> {
    if (!Array.isArray(items)) throw new UsageError('enqueueMany: items must be an array');
    if (!isJobType(type)) throw new UsageError('enqueue: the type must be a job type (defineJob)');
    // A job of a type no queue knows would be stored and never run: the queue's set-up is wrong.
    if (!this.knows(type)) {
      throw new KeelError(
        'config',
        `The job queue "${this.name}" has no job type "${type.name}"; add it to its types or register it`,
      );
    }
    const target = this.target();
    const rows = buildRows(
      items.map((item) => ({ type: type as JobType, payload: item.payload, options: item.options ?? {} })),
      { maxAttempts: this.settings.maxAttempts },
      Date.now(),
    );
    if (rows.length === 0) return [];
    const run = (db: JobsDb) => storeRows({ db, dialect: target.dialect }, rows);
    const transaction = this.transactionOf(options);
    const results = transaction
      ? await run(transaction as unknown as JobsDb)
      : rows.length === 1
        ? await run(target.db)
        : await target.db.transaction().execute(run);
    for (const row of rows) this.metrics?.enqueued.inc({ queue: row.queue, type: row.type });
    this.signal(rows.map((r) => ({ queue: r.queue, runAt: r.run_at })));
    return results;
  }

  /**
   * True when this queue was given a job type of this name (in its `types` or through
   * {@link JobQueue.register}): only those can be enqueued, and an API-only instance declares them too.
   *
   * @example
   * ```ts
   * if (!jobs.knows(sendReminder)) throw new Error('sendReminder is missing from createJobQueue({ types })');
   * ```
   */
  knows(type: JobType<never, unknown, unknown>): boolean {
    return typeof type?.name === 'string' && this.types.has(type.name);
  }

  /**
   * A job by id, or the unfinished job with a type and dedupe key; `undefined` when there is none.
   *
   * @example
   * ```ts
   * const reminder = await jobs.get({ type: 'send-reminder', dedupeKey: `reminder:${eventId}` });
   * ```
   */
  async get(ref: JobRef): Promise<Job | undefined> {
    if (!this.validRef(ref)) return undefined;
    const row = await getJob(this.targetIn(this.store.currentTransaction()), ref);
    return row ? rowToJob(row) : undefined;
  }

  /**
   * Jobs newest first, filtered, keyset-paginated. A bad query (a limit outside 1-500, a cursor that
   * is no `nextCursor`) throws a UsageError: check what comes from HTTP in the route's schema.
   *
   * @example
   * ```ts
   * const { items, nextCursor } = await jobs.list({ state: 'failed', type: 'send-reminder', limit: 20 });
   * ```
   */
  async list(query: ListJobsQuery = {}): Promise<JobPage> {
    checkOptions('list', listQuerySchema, query);
    const limit = query.limit ?? 50;
    const rows = await listJobs(this.targetIn(this.store.currentTransaction()), {
      limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.queue ? { queue: query.queue } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.cursor ? { before: query.cursor } : {}),
    });
    const items = rows.slice(0, limit).map(rowToJob);
    return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
  }

  /**
   * Counts per queue and state, and the age of each queue's oldest due waiting job.
   *
   * @example
   * ```ts
   * const { queues } = await jobs.stats();
   * ```
   */
  stats(): Promise<JobStats> {
    return readStats(this.targetIn(this.store.currentTransaction()), Date.now());
  }

  /**
   * Cancels a waiting or running job (a running one's signal aborts; in a transaction, once its
   * lease renewal sees it). Returns `false` when no unfinished job matched (unknown, or already
   * completed, failed or cancelled). Joins the caller's `store.transaction(...)`.
   *
   * @example
   * ```ts
   * await jobs.cancel({ type: 'send-reminder', dedupeKey: `reminder:${eventId}` });
   * ```
   */
  async cancel(ref: JobRef, options: InTransaction<DB> = {}): Promise<boolean> {
    if (!this.validRef(ref)) return false;
    const transaction = this.transactionOf(options);
    const cancelled = await cancelJob(this.targetIn(transaction), ref, Date.now());
    if (cancelled && !transaction) this.worker?.abort(cancelled.id, new Error('The job was cancelled'));
    return cancelled !== undefined;
  }

  /**
   * Moves a waiting job to `runAt` (e.g. a reminder whose event moved). Returns `false` when no
   * waiting job matched. Joins the caller's `store.transaction(...)`.
   *
   * @example
   * ```ts
   * await jobs.reschedule({ type: 'send-reminder', dedupeKey: `reminder:${eventId}` }, newRemindAt);
   * ```
   */
  async reschedule(ref: JobRef, runAt: Date, options: InTransaction<DB> = {}): Promise<boolean> {
    if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) {
      throw new UsageError('reschedule: runAt must be a valid Date');
    }
    if (!this.validRef(ref)) return false;
    const target = this.targetIn(this.transactionOf(options));
    const moved = await rescheduleJob(target, ref, runAt.getTime());
    if (moved) await notifyQueue(target, moved.queue);
    if (moved) this.signal([{ queue: moved.queue, runAt: runAt.getTime() }]);
    return moved !== undefined;
  }

  /**
   * Runs a failed or cancelled job again, now, with a fresh set of attempts. Returns `false` when
   * it is neither; a ConflictError when another unfinished job holds its dedupe key.
   *
   * @example
   * ```ts
   * for (const job of (await jobs.list({ state: 'failed' })).items) await jobs.retry(job.id);
   * ```
   */
  async retry(id: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const target = this.targetIn(this.store.currentTransaction());
    const retried = await retryJob(target, id, Date.now()).catch((error: unknown) => {
      if (isUniqueViolation(error)) {
        throw new ConflictError('Another unfinished job of this type holds its dedupe key', { cause: error });
      }
      throw error;
    });
    if (retried) await notifyQueue(target, retried.queue);
    if (retried) this.signal([{ queue: retried.queue, runAt: Date.now() }]);
    return retried !== undefined;
  }

  /**
   * The job, or a NotFoundError (also for a malformed id).
   *
   * @example
   * ```ts
   * const job = await jobs.require(request.params.id); // 404 when there is none
   * ```
   */
  async require(id: string): Promise<Job> {
    const job = isJobId(id) ? await this.get(id) : undefined;
    if (!job) throw new NotFoundError(`There is no job ${JSON.stringify(String(id).slice(0, 64))}`);
    return job;
  }

  private validRef(ref: JobRef): boolean {
    if (typeof ref === 'string') return isJobId(ref);
    if (ref && typeof ref.type === 'string' && typeof ref.dedupeKey === 'string') return true;
    throw new UsageError('The job reference must be a job id or { type, dedupeKey }');
  }

  private transactionOf(options: InTransaction<DB> | undefined): Transaction<DB> | undefined {
    return options?.transaction ?? this.store.currentTransaction();
  }

  private target(): SqlTarget {
    if (!this.started) throw new UnavailableError(`The job queue "${this.name}" has not started`);
    return this.storeTarget();
  }

  private storeTarget(): SqlTarget {
    return { db: this.store.db as unknown as JobsDb, dialect: this.store.dialect };
  }

  private targetIn(transaction: Transaction<DB> | undefined): SqlTarget {
    const target = this.target();
    return transaction ? { ...target, db: transaction as unknown as JobsDb } : target;
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
 * Creates the {@link JobQueue} component. Bad options throw a UsageError listing every problem.
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
