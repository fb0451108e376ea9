import type { Logger } from 'pino';
import { TimeoutError } from '../errors/index.js';
import { isStoreUnavailable } from '../store/index.js';
import { backoffDelay } from './backoff.js';
import type { JobType } from './define-job.js';
import { isPermanentJobError } from './errors.js';
import type { JobMetrics } from './metrics.js';
import { retrying } from './retrying.js';
import { attemptError, toMs } from './rows.js';
import { RunningJob } from './running-job.js';
import type { ClaimedRow } from './sql/claim-jobs.js';
import type { SqlTarget } from './sql/db.js';
import { failJob } from './sql/fail-job.js';
import { postponeJob } from './sql/postpone-job.js';
import { setProgress } from './sql/set-progress.js';
import type { BackoffOptions, JobContext } from './types.js';

/** What running one job needs from its worker. */
export interface ExecuteDeps {
  target: SqlTarget;
  workerId: string;
  logger: Logger;
  metrics: JobMetrics | undefined;
  defaults: { timeoutMs: number; backoff: BackoffOptions };
  /** What every handler's context shares: the queue's store and its enqueue. */
  shared: Pick<JobContext, 'store' | 'enqueue'>;
  /** Stores a completion (batched). */
  complete(row: ClaimedRow, result: string | null): void;
  /** Looks for work in a queue at a given time (a retry due before the next poll). */
  wakeAt(queue: string, at: number): void;
  /** True once the worker stopped for good: pending writes give up. */
  closed(): boolean;
}

/** Starts one claimed job's handler with its timeout and abort signal; the returned record settles when it is over. */
export function executeJob(row: ClaimedRow, type: JobType, deps: ExecuteDeps): RunningJob {
  const job = new RunningJob(row);
  job.settled = run(job, type, deps);
  return job;
}

async function run(job: RunningJob, type: JobType, deps: ExecuteDeps): Promise<void> {
  const { row } = job;
  const started = performance.now();
  const metrics = deps.metrics?.of(row.queue, row.type);
  metrics?.wait.observe(Math.max(0, Date.now() - toMs(row.run_at)) / 1000);
  const timeoutMs = row.timeout_ms ?? type.timeoutMs ?? deps.defaults.timeoutMs;
  const timer = setTimeout(
    () => job.abort(new TimeoutError(`The job ran past its ${timeoutMs} ms timeout`)),
    timeoutMs,
  );
  try {
    const payload: unknown = JSON.parse(row.payload);
    // A handler that ignores its signal is left behind: the attempt ends when the job is aborted.
    const result = await job.race(() => type.handle(payload, jobContext(job, deps)));
    if (job.detached) return;
    metrics?.completedIn.observe((performance.now() - started) / 1000);
    deps.complete(row, result === undefined ? null : JSON.stringify(result));
  } catch (error) {
    if (job.detached) return;
    const outage = isStoreUnavailable(error) && !isPermanentJobError(error);
    const outcome = outage ? 'postponed' : 'failed';
    deps.metrics?.duration.observe({ queue: row.queue, type: row.type, outcome }, (performance.now() - started) / 1000);
    await (outage ? recordPostponement(row, type, error, deps) : recordFailure(row, type, error, deps));
  } finally {
    clearTimeout(timer);
  }
}

async function recordFailure(row: ClaimedRow, type: JobType, error: unknown, deps: ExecuteDeps): Promise<void> {
  const now = Date.now();
  const final = isPermanentJobError(error) || row.attempts >= row.max_attempts;
  const backoff = row.backoff ? (JSON.parse(row.backoff) as BackoffOptions) : (type.backoff ?? deps.defaults.backoff);
  const retryAt = final ? null : now + backoffDelay(backoff, row.attempts);
  const stored = await retrying(
    () =>
      failJob(deps.target, {
        id: row.id,
        workerId: deps.workerId,
        error: JSON.stringify(attemptError(error, row.attempts, now)),
        retryAt,
        now,
      }),
    deps.logger,
    'storing a failed job attempt',
    deps.closed,
  );
  const labels = { queue: row.queue, type: row.type };
  deps.logger.warn(
    { err: error, jobId: row.id, type: row.type, attempt: row.attempts, retryAt },
    final ? 'job failed' : 'job attempt failed; will retry',
  );
  if (!stored) return;
  if (final) deps.metrics?.failed.inc(labels);
  else deps.metrics?.retried.inc(labels);
  if (retryAt !== null) deps.wakeAt(row.queue, retryAt);
}

/** Even a fixed tiny backoff waits this long after an outage: the database needs a moment to come back. */
const OUTAGE_MIN_DELAY_MS = 500;

// The store was unavailable: the job is not at fault, so it runs again later with its attempt given back.
async function recordPostponement(row: ClaimedRow, type: JobType, error: unknown, deps: ExecuteDeps): Promise<void> {
  const backoff = row.backoff ? (JSON.parse(row.backoff) as BackoffOptions) : (type.backoff ?? deps.defaults.backoff);
  const runAt = Date.now() + Math.max(OUTAGE_MIN_DELAY_MS, backoffDelay(backoff, row.attempts));
  const stored = await retrying(
    () => postponeJob(deps.target, { id: row.id, workerId: deps.workerId, runAt }),
    deps.logger,
    'postponing a job the store outage interrupted',
    deps.closed,
  );
  // Info, not warn: the store already warned once for the whole outage.
  deps.logger.info(
    { err: error, jobId: row.id, type: row.type, attempt: row.attempts, retryAt: runAt },
    'job attempt hit a store outage; will retry without using an attempt',
  );
  if (!stored) return;
  deps.metrics?.postponed.inc({ queue: row.queue, type: row.type });
  deps.wakeAt(row.queue, runAt);
}

function jobContext(job: RunningJob, deps: ExecuteDeps): JobContext {
  const { row } = job;
  let logger: Logger | undefined;
  return {
    id: row.id,
    attempt: row.attempts,
    // Built on first use: most handlers never log nor read their signal, and each costs per job.
    get signal() {
      return job.signal;
    },
    get logger() {
      logger ??= deps.logger.child({ jobId: row.id, type: row.type, attempt: row.attempts });
      return logger;
    },
    store: deps.shared.store,
    progress: (value: number) => setProgress(deps.target, row.id, deps.workerId, value),
    enqueue: deps.shared.enqueue,
  };
}
