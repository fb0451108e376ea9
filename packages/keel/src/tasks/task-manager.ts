import { EventEmitter } from 'node:events';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { type Logger, pino } from 'pino';
import { z } from 'zod';
import { checkOptions } from '../config/index.js';
import { UnavailableError, UsageError } from '../errors/index.js';
import { defineJob, type JobQueue, type JobType } from '../jobs/index.js';
import { defineSchedule, type Schedule } from '../schedule/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import type { Store } from '../store/index.js';
import { removeTaskFiles } from './artifacts.js';
import type { TaskType } from './define-task.js';
import {
  TaskCancelledError,
  TaskInterruptedError,
  TaskNotCancellableError,
  TaskNotFinishedError,
  TaskNotFoundError,
  TaskResultExpiredError,
} from './errors.js';
import { isTaskId, newTaskId } from './ids.js';
import { createTaskMetrics, type TaskMetrics } from './metrics.js';
import { type ResolvedTasksOptions, resolveTasksOptions, type TasksOptions } from './options.js';
import { effectiveState, rowToTask, type StoredArtifact } from './rows.js';
import { type RunnerHost, runTask } from './run-task.js';
import { TASK_MIGRATION_TABLE, type TaskRow, type TaskTables, taskMigrations } from './schema.js';
import type { TaskRun } from './task-run.js';
import {
  type CreateTaskOptions,
  finalTaskStates,
  type ListTasksQuery,
  type OwnerScope,
  type Task,
  type TaskPage,
  type TaskResult,
  type TaskTypeRef,
  taskStates,
} from './types.js';

const listQuerySchema = z.object({
  owner: z.string('must be a string').optional(),
  state: z.enum(taskStates).optional(),
  type: z.string('must be a string').optional(),
  limit: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be 1 or more')
    .max(100, 'must be 100 or less')
    .optional(),
  cursor: z.custom<string>(isTaskId, "must be a page's nextCursor").optional(),
});

const createOptionsSchema = z.object({
  owner: z.string('must be a string').min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  priority: z.number().int('must be an integer').min(-1_000_000).max(1_000_000).optional(),
  timeoutMs: z.number().int('must be a whole number of ms').positive('must be 1 or more').optional(),
  delayMs: z.number().int('must be a whole number of ms').nonnegative('must be 0 or more').optional(),
  transaction: z.unknown().optional(),
});

/** The job payload behind every task: which task to run. */
const jobPayload = z.object({ taskId: z.string() });

/** Above the task's own timeout: the task cuts itself first, the job's timeout is only a safety net. */
const JOB_TIMEOUT_MARGIN_MS = 60_000;
/** Attempts of a task's job: its crashes are counted on the task (`maxAttempts`), not the job. */
const JOB_MAX_ATTEMPTS = 100;

/**
 * The tasks component: tasks are jobs (keel/jobs) with a public face (an owner, states, progress,
 * cancel from any instance, results with a TTL). Depends on the store and the job queue; add it to
 * the service (a feature's `components`). Create it in a feature's setup: it registers its job types
 * on `jobs` (and its cleanup schedule on `scheduler`) at once.
 *
 * @example
 * ```ts
 * const tasks = createTasks({ store, jobs, scheduler, dataDir: config.DATA_DIR, types: [parsePost] });
 * service.add(store).add(jobs).add(scheduler).add(tasks);
 * const task = await tasks.create(parsePost, { postId: 1 }, { owner: userId });
 * ```
 */
export class TaskManager<DB> implements Component {
  readonly name: string;
  readonly dependsOn: readonly string[];
  /** The result cleanup schedule (added to the scheduler when one was given). */
  readonly cleanupSchedule: Schedule;
  private readonly settings: ResolvedTasksOptions;
  private readonly store: Store<DB>;
  private readonly jobs: JobQueue<DB>;
  private readonly types = new Map<string, TaskType>();
  private readonly jobTypes = new Map<string, JobType<{ taskId: string }, { taskId: string }, void>>();
  private readonly running = new Map<string, TaskRun>();
  private readonly changes = new EventEmitter();
  private logger: Logger = pino({ level: 'silent' });
  private metrics: TaskMetrics | undefined;
  private started = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private markReady!: () => void;
  private readonly ready: Promise<void>;
  private readonly host: RunnerHost;

  constructor(options: TasksOptions<DB>) {
    this.settings = resolveTasksOptions(options);
    this.store = options.store;
    this.jobs = options.jobs;
    this.name = this.settings.name;
    this.dependsOn = [options.store.name, options.jobs.name];
    this.changes.setMaxListeners(0);
    this.ready = new Promise((done) => {
      this.markReady = done;
    });
    this.host = this.runnerHost();
    for (const type of options.types) {
      this.types.set(type.name, type);
      const jobType = defineJob({
        name: `${this.name}.${type.name}`,
        payload: jobPayload,
        queue: this.settings.queue,
        handler: async ({ taskId }, ctx) => runTask(this.host, type, taskId, ctx),
      });
      this.jobTypes.set(type.name, jobType);
    }
    this.jobs.register(...this.jobTypes.values());
    this.jobs.setConcurrency(this.settings.queue, this.settings.workers);
    this.cleanupSchedule = defineSchedule({
      name: `${this.name}.cleanup`,
      intervalMs: this.settings.cleanupIntervalMs,
      handler: async () => {
        await this.expireResults();
      },
      jobOptions: { maxAttempts: 3, queue: `${this.settings.queue}.cleanup` },
    });
    options.scheduler?.add(this.cleanupSchedule);
  }

  async start(context: ComponentContext): Promise<void> {
    this.logger = context.logger;
    this.metrics = createTaskMetrics(context.metrics);
    await this.store.migrate({ table: TASK_MIGRATION_TABLE, migrations: taskMigrations() }, context.logger);
    this.started = true;
    this.markReady();
    this.timer = setInterval(
      () => void this.check().catch((err: unknown) => this.logger.warn({ err }, 'checking running tasks failed')),
      this.settings.checkIntervalMs,
    );
    this.timer.unref();
  }

  beginShutdown(): void {
    this.stopping = true;
    for (const run of this.running.values()) {
      run.stop('shutdown', new TaskInterruptedError('The service is shutting down; the task will run again'));
    }
  }

  async stop(context: StopContext): Promise<void> {
    this.beginShutdown();
    // Interrupted runs checkpoint and go back to the queue within the grace, then their jobs complete.
    const deadline = Date.now() + this.settings.abortGraceMs + 5000;
    while (this.running.size > 0 && Date.now() < deadline && !context.signal.aborted) await sleep(25);
    if (this.running.size > 0) context.reportAbandoned(`${this.running.size} running tasks`);
    clearInterval(this.timer);
    this.started = false;
  }

  /**
   * Validates the input (a ValidationError, location `body`, stores nothing) and queues the task;
   * bad options throw a UsageError. Joins `store.transaction(...)` unless `options.transaction` names one.
   *
   * @example
   * ```ts
   * const task = await tasks.create(exportComments, { postId, format: 'csv' }, { owner: userId, priority: 10 });
   * ```
   */
  async create<I, R>(type: TaskTypeRef<I, R>, input: I, options: CreateTaskOptions<DB>): Promise<Task<I, R>> {
    const checked = checkOptions('tasks.create', createOptionsSchema, options ?? {});
    const taskType = this.typeOf(type);
    const parsed = taskType.parse(input);
    this.db();
    const now = Date.now();
    const id = newTaskId(now);
    const priority = checked.priority ?? taskType.priority ?? 0;
    const timeoutMs = checked.timeoutMs ?? taskType.timeoutMs ?? this.settings.timeoutMs;
    const row: TaskRow = {
      id,
      manager: this.name,
      type: taskType.name,
      owner: checked.owner,
      state: 'queued',
      priority,
      timeout_ms: timeoutMs,
      result_ttl_ms: taskType.resultTtlMs ?? this.settings.resultTtlMs,
      attempts: 0,
      max_attempts: taskType.maxAttempts ?? 1,
      input: JSON.stringify(parsed ?? null),
      job_id: null,
      run_token: null,
      progress_done: null,
      progress_total: null,
      progress_details: null,
      progress_at: null,
      checkpoint: null,
      result: null,
      artifact: null,
      error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      cancel_requested_at: null,
      expires_at: null,
    };
    const work = async (trx: Transaction<DB>) => {
      const job = await this.jobs.enqueue(
        this.jobTypes.get(taskType.name)!,
        { taskId: id },
        { ...this.jobOptions(row), ...(checked.delayMs ? { delayMs: checked.delayMs } : {}), transaction: trx },
      );
      row.job_id = job.id;
      await (trx as unknown as Kysely<TaskTables>).insertInto('keel_task').values(row).execute();
    };
    const transaction = options.transaction ?? this.store.currentTransaction();
    if (transaction) await work(transaction);
    else await this.store.transaction(work);
    this.metrics?.created.inc({ type: taskType.name });
    return rowToTask(row, now) as Task<I, R>;
  }

  /**
   * A task by id; `undefined` when there is none (also for a malformed id).
   *
   * @example
   * ```ts
   * const task = await tasks.get(id);
   * ```
   */
  async get(id: string): Promise<Task | undefined> {
    const row = await this.row(id);
    return row ? rowToTask(row) : undefined;
  }

  /**
   * The task, or a TaskNotFoundError (404) when it is unknown or, with `owner`, another owner's.
   *
   * @example
   * ```ts
   * const task = await tasks.require(request.params.id, { owner: request.principal.id });
   * ```
   */
  async require(id: string, scope: OwnerScope = {}): Promise<Task> {
    return rowToTask(await this.requireRow(id, scope));
  }

  /**
   * Tasks newest first, filtered by owner, state and type, keyset-paginated. A bad query throws a UsageError.
   *
   * @example
   * ```ts
   * const { items, nextCursor } = await tasks.list({ owner: userId, state: 'succeeded' });
   * ```
   */
  async list(query: ListTasksQuery = {}): Promise<TaskPage> {
    checkOptions('tasks.list', listQuerySchema, query ?? {});
    const limit = query.limit ?? 20;
    const now = Date.now();
    let select = this.db().selectFrom('keel_task').selectAll().where('manager', '=', this.name);
    if (query.owner !== undefined) select = select.where('owner', '=', query.owner);
    if (query.type !== undefined) select = select.where('type', '=', query.type);
    if (query.cursor !== undefined) select = select.where('id', '<', query.cursor);
    if (query.state === 'expired') {
      select = select.where((eb) =>
        eb.or([eb('state', '=', 'expired'), eb.and([eb('state', '=', 'succeeded'), eb('expires_at', '<=', now)])]),
      );
    } else if (query.state === 'succeeded') {
      select = select.where('state', '=', 'succeeded').where('expires_at', '>', now);
    } else if (query.state !== undefined) {
      select = select.where('state', '=', query.state);
    }
    const rows = await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((row) => rowToTask(row, now));
    return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
  }

  /**
   * Cancels a task: a queued one is `cancelled` at once and never starts; a running one turns
   * `cancelling` and its handler's signal aborts on whichever instance runs it (within about
   * `checkIntervalMs`), then it is `cancelled`. Asking again while `cancelling` is fine. A task that
   * already ended throws a TaskNotCancellableError (409); an unknown one a TaskNotFoundError.
   *
   * @example
   * ```ts
   * const task = await tasks.cancel(id, { owner: userId }); // state: 'cancelled' or 'cancelling'
   * ```
   */
  async cancel(id: string, scope: OwnerScope = {}): Promise<Task> {
    const before = await this.requireRow(id, scope);
    const was = effectiveState(before, Date.now());
    if (finalTaskStates.includes(was)) {
      throw new TaskNotCancellableError(`A ${was} task cannot be cancelled; only queued or running ones`);
    }
    const now = Date.now();
    await this.store.transaction(async (trx) => {
      const db = trx as unknown as Kysely<TaskTables>;
      const queued = await db
        .updateTable('keel_task')
        .set({ state: 'cancelled', cancel_requested_at: now, finished_at: now })
        .where('id', '=', before.id)
        .where('state', '=', 'queued')
        .returning(['job_id'])
        .executeTakeFirst();
      if (queued) {
        // Its job would find the task cancelled anyway; cancelling it too frees the queue at once.
        if (queued.job_id) await this.jobs.cancel(queued.job_id, { transaction: trx });
        return;
      }
      await db
        .updateTable('keel_task')
        .set({ state: 'cancelling', cancel_requested_at: now })
        .where('id', '=', before.id)
        .where('state', '=', 'running')
        .execute();
    });
    const after = rowToTask(await this.requireRow(id, scope));
    if (after.state !== 'cancelled' && after.state !== 'cancelling') {
      throw new TaskNotCancellableError(`A ${after.state} task cannot be cancelled; only queued or running ones`);
    }
    this.running.get(after.id)?.stop('cancel', new TaskCancelledError());
    this.changed(after.id);
    return after;
  }

  /**
   * A succeeded task's result: its file (a stream to send) or its JSON. An expired one (or one whose
   * file is gone) throws a TaskResultExpiredError (410); one that did not succeed a TaskNotFinishedError
   * (409); an unknown one a TaskNotFoundError (404).
   *
   * @example
   * ```ts
   * const result = await tasks.openResult(id, { owner: userId });
   * if (result.kind === 'file') await pipeline(result.stream, createWriteStream(result.filename));
   * ```
   */
  async openResult(id: string, scope: OwnerScope = {}): Promise<TaskResult> {
    const row = await this.requireRow(id, scope);
    const state = effectiveState(row, Date.now());
    if (state === 'expired') throw new TaskResultExpiredError('The result of this task has expired and was removed');
    if (state !== 'succeeded') throw new TaskNotFinishedError(`A ${state} task has no result`);
    if (row.artifact === null) return { kind: 'json', result: row.result === null ? null : JSON.parse(row.result) };
    const artifact = JSON.parse(row.artifact) as StoredArtifact;
    const path = resolve(this.settings.dataDir, artifact.path);
    // Opened first, so a file that is gone answers 410 instead of a broken stream.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new TaskResultExpiredError("The task's result file is gone");
      throw error;
    });
    const { size } = await handle.stat();
    return {
      kind: 'file',
      filename: artifact.filename,
      contentType: artifact.contentType,
      size,
      stream: handle.createReadStream(),
    };
  }

  /**
   * Yields the task now and whenever its state or progress changes (polled every `checkIntervalMs`,
   * at once for changes made in this process), and returns after its final state. An unknown task
   * throws a TaskNotFoundError on the first read.
   *
   * @example
   * ```ts
   * for await (const task of tasks.watch(id, { owner: userId })) console.log(task.state, task.progress);
   * ```
   */
  async *watch(id: string, options: OwnerScope & { signal?: AbortSignal } = {}): AsyncGenerator<Task> {
    let last = '';
    while (!options.signal?.aborted) {
      const task = await this.require(id, options);
      const key = JSON.stringify([task.state, task.progress?.done, task.progress?.total, task.progress?.details]);
      if (key !== last) {
        last = key;
        yield task;
      }
      if (finalTaskStates.includes(task.state)) return;
      await this.nextChange(task.id, options.signal);
    }
  }

  /**
   * Expires succeeded tasks past their result TTL and removes their files (the cleanup schedule runs
   * it every `cleanupIntervalMs`). Returns how many expired.
   *
   * @example
   * ```ts
   * const expired = await tasks.expireResults();
   * ```
   */
  async expireResults(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = Date.now();
      const due = await this.db()
        .selectFrom('keel_task')
        .select(['id'])
        .where('manager', '=', this.name)
        .where('state', '=', 'succeeded')
        .where('expires_at', '<=', now)
        .limit(200)
        .execute();
      for (const { id } of due) {
        await removeTaskFiles(this.settings.dataDir, id);
        await this.db()
          .updateTable('keel_task')
          .set({ state: 'expired', result: null, artifact: null })
          .where('id', '=', id)
          .where('state', '=', 'succeeded')
          .execute();
        this.changed(id);
      }
      total += due.length;
      if (due.length < 200) return total;
    }
  }

  /** The task types, by name (the routes helper builds its create routes from them). */
  get taskTypes(): readonly TaskType[] {
    return [...this.types.values()];
  }

  private typeOf(type: { name: string }): TaskType {
    const known = typeof type?.name === 'string' ? this.types.get(type.name) : undefined;
    if (!known) throw new UsageError(`The tasks "${this.name}" have no task type "${String(type?.name)}"`);
    return known;
  }

  private async row(id: string): Promise<TaskRow | undefined> {
    if (!isTaskId(id)) return undefined;
    return this.db()
      .selectFrom('keel_task')
      .selectAll()
      .where('id', '=', id)
      .where('manager', '=', this.name)
      .executeTakeFirst();
  }

  private async requireRow(id: string, scope: OwnerScope): Promise<TaskRow> {
    const row = await this.row(id);
    // Another owner's task is "not found": its existence is not confirmed.
    if (!row || (scope.owner !== undefined && row.owner !== scope.owner)) {
      throw new TaskNotFoundError(`There is no task ${JSON.stringify(String(id).slice(0, 64))}`);
    }
    return row;
  }

  private db(): Kysely<TaskTables> {
    if (!this.started) throw new UnavailableError(`The tasks "${this.name}" have not started`);
    const transaction = this.store.currentTransaction();
    return (transaction ?? this.store.db) as unknown as Kysely<TaskTables>;
  }

  private jobOptions(row: Pick<TaskRow, 'priority' | 'timeout_ms'>) {
    return {
      priority: Number(row.priority),
      timeoutMs: Number(row.timeout_ms) + this.settings.abortGraceMs + JOB_TIMEOUT_MARGIN_MS,
      maxAttempts: JOB_MAX_ATTEMPTS,
    };
  }

  private changed(taskId: string): void {
    this.changes.emit(taskId);
  }

  private nextChange(taskId: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((done) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.changes.off(taskId, finish);
        signal?.removeEventListener('abort', finish);
        done();
      };
      const timer = setTimeout(finish, this.settings.checkIntervalMs);
      this.changes.on(taskId, finish);
      signal?.addEventListener('abort', finish);
    });
  }

  // Cancels asked on any instance, and runs another worker took over, reach the handlers here.
  private async check(): Promise<void> {
    const runs = [...this.running.values()].filter((run) => !run.reason);
    if (runs.length === 0) return;
    const rows = await (this.store.db as unknown as Kysely<TaskTables>)
      .selectFrom('keel_task')
      .select(['id', 'state', 'run_token'])
      .where(
        'id',
        'in',
        runs.map((run) => run.taskId),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const run of runs) {
      const row = byId.get(run.taskId);
      if (row?.run_token !== run.token || (row.state !== 'running' && row.state !== 'cancelling')) {
        run.stop('lost', new TaskCancelledError('The task was taken over or ended elsewhere'));
      } else if (row.state === 'cancelling') {
        run.stop('cancel', new TaskCancelledError());
      }
    }
  }

  private runnerHost(): RunnerHost {
    return {
      settings: this.settings,
      store: this.store as Store<unknown>,
      jobs: this.jobs as JobQueue<unknown>,
      logger: () => this.logger,
      db: () => this.store.db as unknown as Kysely<TaskTables>,
      ready: this.ready,
      shuttingDown: () => this.stopping,
      running: this.running,
      jobTypeOf: (type) => this.jobTypes.get(type)!,
      jobOptions: (row) => this.jobOptions(row),
      changed: (id) => this.changed(id),
      ended: (type, outcome) => this.metrics?.ended.inc({ type, outcome }),
      wroteProgress: (type) => this.metrics?.progressWrites.inc({ type }),
      createTask: (type, input, options) => this.create(type, input, options as CreateTaskOptions<DB>),
    };
  }
}

/**
 * Creates the {@link TaskManager} component. Bad options throw a UsageError listing every problem.
 *
 * @example
 * ```ts
 * const tasks = createTasks({ store: app.store, jobs: app.jobs, scheduler: app.scheduler, dataDir: app.config.DATA_DIR, types: [parsePost] });
 * return { components: [tasks], routes: tasksRoutes(tasks, { guard: app.guards.authenticated, owner: (r) => r.principal.id }) };
 * ```
 */
export function createTasks<DB>(options: TasksOptions<DB>): TaskManager<DB> {
  return new TaskManager<DB>(options);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
