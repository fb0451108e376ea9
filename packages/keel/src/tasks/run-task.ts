import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { isKeelError, TimeoutError } from '../errors/index.js';
import type { JobContext, JobQueue, JobType } from '../jobs/index.js';
import { backoffDelay, defaultBackoff } from '../jobs/index.js';
import type { Store } from '../store/index.js';
import { RunArtifact, removeRunFiles } from './artifacts.js';
import type { TaskType } from './define-task.js';
import { isPermanentTaskError, TaskCancelledError, TaskInterruptedError } from './errors.js';
import type { ResolvedTasksOptions } from './options.js';
import type { TaskRow, TaskTables } from './schema.js';
import { TaskRun } from './task-run.js';
import type { CreateTaskOptions, Task, TaskContext, TaskError, TaskTypeRef } from './types.js';

/** What running a task needs from its manager. */
export interface RunnerHost {
  settings: ResolvedTasksOptions;
  store: Store<unknown>;
  jobs: JobQueue<unknown>;
  logger(): Logger;
  db(): Kysely<TaskTables>;
  /** Resolves once the manager started (its table exists). */
  ready: Promise<void>;
  /** True once shutdown began: a run starting now is interrupted at once. */
  shuttingDown(): boolean;
  /** The runs of this process, by task id. */
  running: Map<string, TaskRun>;
  jobTypeOf(taskType: string): JobType<{ taskId: string }, { taskId: string }, void>;
  /** Job options of a task's job (priority, a safety-net timeout). */
  jobOptions(row: Pick<TaskRow, 'priority' | 'timeout_ms'>): {
    priority: number;
    timeoutMs: number;
    maxAttempts: number;
  };
  changed(taskId: string): void;
  /** Counts an attempt's end, by outcome. */
  ended(type: string, outcome: string): void;
  /** Counts a progress or checkpoint write. */
  wroteProgress(type: string): void;
  createTask(type: TaskTypeRef, input: unknown, options: CreateTaskOptions): Promise<Task>;
}

type Begun = { kind: 'run'; row: TaskRow } | { kind: 'skip' };

type Outcome = { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown } | { kind: 'stopped' };

const FINAL_STATES = ['running', 'cancelling'] as const;

/** The job handler behind every task type: runs one attempt of the task `taskId` if it is still due. */
export async function runTask(host: RunnerHost, type: TaskType, taskId: string, job: JobContext): Promise<void> {
  await host.ready;
  const token = randomUUID();
  const begun = await host.store.transaction((trx) =>
    begin(host, trx as Transaction<TaskTables>, taskId, job.id, token),
  );
  if (begun.kind === 'skip') return;
  await execute(host, type, begun.row, token, job);
}

async function begin(
  host: RunnerHost,
  trx: Transaction<TaskTables>,
  taskId: string,
  jobId: string,
  token: string,
): Promise<Begun> {
  const now = Date.now();
  let query = trx.selectFrom('keel_task').selectAll().where('id', '=', taskId);
  if (host.store.dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  // Another job now carries the task (a retry, a deferral): this one is stale.
  if (!row || row.job_id !== jobId) return { kind: 'skip' };
  const update = () => trx.updateTable('keel_task').where('id', '=', taskId);
  if (row.state === 'cancelling') {
    await update().set({ state: 'cancelled', finished_at: now }).execute();
    host.changed(taskId);
    return { kind: 'skip' };
  }
  if (row.state !== 'queued' && row.state !== 'running') return { kind: 'skip' };
  // Still `running`: the worker of the last attempt died (its job's lease expired).
  if (row.state === 'running' && row.attempts >= row.max_attempts) {
    const error: TaskError = {
      code: 'interrupted',
      message: 'The worker running the task stopped and no attempt is left',
    };
    await update()
      .set({ state: 'failed', error: JSON.stringify(error), finished_at: now })
      .execute();
    host.changed(taskId);
    return { kind: 'skip' };
  }
  const limit = host.settings.maxRunningPerOwner;
  if (limit !== undefined) {
    // Serializes the count per owner across instances (SQLite transactions are serialized already).
    if (host.store.dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(hashtext(${`keel_task:${row.owner}`}))`.execute(trx);
    }
    const { count } = await trx
      .selectFrom('keel_task')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('owner', '=', row.owner)
      .where('state', 'in', ['running', 'cancelling'])
      .where('id', '!=', taskId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= limit) {
      const next = await host.jobs.enqueue(
        host.jobTypeOf(row.type),
        { taskId },
        { ...host.jobOptions(row), delayMs: host.settings.ownerLimitRetryMs, transaction: trx as Transaction<unknown> },
      );
      await update().set({ job_id: next.id }).execute();
      return { kind: 'skip' };
    }
  }
  const started = await update()
    .set({ state: 'running', run_token: token, attempts: row.attempts + 1, started_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  host.changed(taskId);
  return { kind: 'run', row: started };
}

async function execute(host: RunnerHost, type: TaskType, row: TaskRow, token: string, job: JobContext): Promise<void> {
  const { settings } = host;
  const taskId = row.id;
  const logger = host.logger().child({ taskId, type: row.type, attempt: row.attempts });
  const run = new TaskRun(taskId, token, row.progress_done === null ? null : Number(row.progress_done), {
    db: () => host.db(),
    dialect: host.store.dialect,
    progressIntervalMs: settings.progressIntervalMs,
    logger,
    changed: (id) => host.changed(id),
    wrote: () => host.wroteProgress(row.type),
  });
  host.running.set(taskId, run);
  const timeoutMs = Number(row.timeout_ms);
  const timer = setTimeout(
    () => run.stop('timeout', new TimeoutError(`The task ran past its ${timeoutMs} ms timeout`)),
    timeoutMs,
  );
  if (host.shuttingDown()) run.stop('shutdown', new TaskInterruptedError());
  // The job itself was let go (its lease lost, cancelled through the jobs admin, the job queue stopping).
  const onJobAbort = (): void => run.stop('lost', new TaskInterruptedError("The task's job was stopped"));
  if (job.signal.aborted) onJobAbort();
  else job.signal.addEventListener('abort', onJobAbort, { once: true });
  const artifact = new RunArtifact(settings.dataDir, taskId, token, type.artifactTypes);
  const context: TaskContext = {
    id: taskId,
    type: row.type,
    owner: row.owner,
    attempt: row.attempts,
    input: JSON.parse(row.input),
    signal: run.controller.signal,
    resume: row.checkpoint === null ? null : JSON.parse(row.checkpoint),
    logger,
    store: host.store,
    progress: (done, total, details) => run.progress(done, total, details),
    checkpoint: async (data) => {
      const stored = await run.flush(JSON.stringify(data ?? null));
      if (!stored) throw run.controller.signal.reason ?? new TaskInterruptedError();
    },
    artifact: (meta) => artifact.open(meta),
    writeArtifact: (meta, body) => artifact.write(meta, body),
    enqueue: (jobType, payload, options) => host.jobs.enqueue(jobType, payload, options as never),
    createTask: (taskType, input, options) =>
      host.createTask(taskType, input, { owner: row.owner, ...options }) as never,
  };
  let handler: Promise<unknown>;
  try {
    handler = Promise.resolve(type.handle(context));
  } catch (error) {
    handler = Promise.reject(error);
  }
  // A handler that is cut keeps running: its late rejection must not be unhandled.
  handler.catch(() => undefined);
  try {
    let outcome: Outcome = await Promise.race([
      handler.then(
        (value): Outcome => ({ kind: 'resolved', value }),
        (error): Outcome => ({ kind: 'rejected', error }),
      ),
      run.stopped.then((): Outcome => ({ kind: 'stopped' })),
    ]);
    // Stopped while the handler was settling (often: it threw because its signal aborted).
    if (run.reason) outcome = { kind: 'stopped' };
    clearTimeout(timer);
    if (outcome.kind === 'stopped') await stopped(host, run, row, handler, job.id);
    else if (outcome.kind === 'resolved') await succeeded(host, run, row, artifact, outcome.value);
    else await failedAttempt(host, run, row, type, outcome.error, logger);
  } finally {
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onJobAbort);
    run.close();
    host.running.delete(taskId);
    host.changed(taskId);
  }
}

const guarded = (db: Kysely<TaskTables>, run: TaskRun) =>
  db
    .updateTable('keel_task')
    .where('id', '=', run.taskId)
    .where('run_token', '=', run.token)
    .where('state', 'in', FINAL_STATES);

async function stopped(
  host: RunnerHost,
  run: TaskRun,
  row: TaskRow,
  handler: Promise<unknown>,
  jobId: string,
): Promise<void> {
  const now = Date.now();
  const db = host.db();
  const reason = run.reason!;
  if (reason === 'shutdown') {
    // A cooperative handler checkpoints and stops; one that ignores its signal is cut after the grace.
    await Promise.race([handler.catch(() => undefined), delay(host.settings.abortGraceMs)]);
    await run.flush().catch(() => false);
    run.close();
    await requeue(host, run, row, { attemptUsed: false, delayMs: 0, error: null });
  } else if (reason === 'cancel') {
    run.close();
    await guarded(db, run).set({ state: 'cancelled', finished_at: now }).execute();
  } else if (reason === 'timeout') {
    host
      .logger()
      .warn({ taskId: row.id, type: row.type, timeoutMs: Number(row.timeout_ms) }, 'task cut at its timeout');
    run.close();
    const error: TaskError = { code: 'timeout', message: `The task ran past its ${Number(row.timeout_ms)} ms timeout` };
    // A cancel asked meanwhile wins: the user asked to stop it.
    await guarded(db, run)
      .set((eb) => ({
        state: eb.case().when('state', '=', 'cancelling').then('cancelled').else('failed').end(),
        error: eb.case().when('state', '=', 'cancelling').then(null).else(JSON.stringify(error)).end(),
        finished_at: now,
      }))
      .execute();
  } else {
    run.close();
    // Nothing will run a job cancelled through the jobs admin again: the task ends cancelled too.
    const job = await host.jobs.get(jobId).catch(() => undefined);
    if (job?.state === 'cancelled') await guarded(db, run).set({ state: 'cancelled', finished_at: now }).execute();
  }
  host.ended(row.type, reason === 'shutdown' ? 'requeued' : reason === 'cancel' ? 'cancelled' : reason);
  await removeRunFiles(host.settings.dataDir, row.id, run.token).catch(() => undefined);
}

async function succeeded(
  host: RunnerHost,
  run: TaskRun,
  row: TaskRow,
  artifact: RunArtifact,
  value: unknown,
): Promise<void> {
  await run.flush().catch(() => false);
  const stored = await artifact.finish().catch(() => undefined);
  const now = Date.now();
  const result = await guarded(host.db(), run)
    .set({
      state: 'succeeded',
      result: value === undefined ? null : JSON.stringify(value),
      artifact: stored ? JSON.stringify(stored) : null,
      error: null,
      finished_at: now,
      expires_at: now + Number(row.result_ttl_ms),
    })
    .where('state', '=', 'running')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) {
    host.ended(row.type, 'succeeded');
    return;
  }
  host.ended(row.type, 'cancelled');
  // Cancelled meanwhile: the user asked to stop it, so its result is dropped.
  await guarded(host.db(), run)
    .set({ state: 'cancelled', finished_at: now })
    .where('state', '=', 'cancelling')
    .execute();
  await removeRunFiles(host.settings.dataDir, row.id, run.token).catch(() => undefined);
}

async function failedAttempt(
  host: RunnerHost,
  run: TaskRun,
  row: TaskRow,
  type: TaskType,
  thrown: unknown,
  logger: Logger,
): Promise<void> {
  await run.flush().catch(() => false);
  run.close();
  await removeRunFiles(host.settings.dataDir, row.id, run.token).catch(() => undefined);
  const message = thrown instanceof Error ? thrown.message || thrown.name : String(thrown);
  const reason = registryCode(thrown);
  const error: TaskError = reason === undefined ? { code: 'failed', message } : { code: 'failed', message, reason };
  const final = isPermanentTaskError(thrown) || row.attempts >= row.max_attempts;
  logger.warn({ err: thrown }, final ? 'task failed' : 'task attempt failed; will retry');
  host.ended(row.type, final ? 'failed' : 'retried');
  if (final) {
    await guarded(host.db(), run)
      .set((eb) => ({
        state: eb.case().when('state', '=', 'cancelling').then('cancelled').else('failed').end(),
        error: eb.case().when('state', '=', 'cancelling').then(null).else(JSON.stringify(error)).end(),
        finished_at: Date.now(),
      }))
      .execute();
    return;
  }
  const delayMs = backoffDelay(type.backoff ?? defaultBackoff, row.attempts);
  await requeue(host, run, row, { attemptUsed: true, delayMs, error });
}

// The registry code of what the handler threw, or of its cause (a PermanentTaskError wrapping a KeelError).
function registryCode(thrown: unknown): string | undefined {
  if (isKeelError(thrown)) return thrown.code;
  const cause = (thrown as { cause?: unknown } | null)?.cause;
  return isKeelError(cause) ? cause.code : undefined;
}

class Lost extends Error {}

/** Puts the task back in the queue with a new job (a retry, or after shutdown), unless it was cancelled or taken over. */
async function requeue(
  host: RunnerHost,
  run: TaskRun,
  row: TaskRow,
  options: { attemptUsed: boolean; delayMs: number; error: TaskError | null },
): Promise<void> {
  const now = Date.now();
  await host.store
    .transaction(async (trx) => {
      const db = trx as unknown as Kysely<TaskTables>;
      // A cancel asked while it ran ends it here.
      const cancelled = await guarded(db, run)
        .set({ state: 'cancelled', finished_at: now })
        .where('state', '=', 'cancelling')
        .executeTakeFirst();
      if (Number(cancelled.numUpdatedRows) > 0) return;
      const next = await host.jobs.enqueue(
        host.jobTypeOf(row.type),
        { taskId: row.id },
        { ...host.jobOptions(row), delayMs: options.delayMs, transaction: trx },
      );
      const result = await guarded(db, run)
        .set({
          state: 'queued',
          job_id: next.id,
          run_token: null,
          error: options.error ? JSON.stringify(options.error) : null,
          ...(options.attemptUsed ? {} : { attempts: row.attempts - 1 }),
        })
        .where('state', '=', 'running')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new Lost();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Lost)) throw error;
    });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The reason a cancelled run's signal aborts with. */
export const cancelReason = (): Error => new TaskCancelledError();
