import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Store } from '../store/index.js';
import { defaultBackoff } from './backoff.js';
import type { JobType } from './define-job.js';
import type { BackoffOptions } from './types.js';
import { checkBackoff, checkNonNegative, checkPositiveInt, rejectProblems } from './validate.js';

/**
 * Options of {@link createJobQueue}.
 *
 * @example
 * ```ts
 * const jobs = createJobQueue({ store, types: [sendReminder], queues: { mail: { concurrency: 4 } } });
 * ```
 */
export interface JobQueueOptions<DB> {
  /** The store whose database holds the jobs (its tables are created at start). */
  store: Store<DB>;
  /** The job types this process knows: it runs only these, and they validate enqueued payloads. */
  types: readonly JobType[];
  /** Component name. Default: `jobs`. */
  name?: string;
  /** Run jobs in this process; `false` makes a producer that only enqueues and manages jobs. Default: `true`. */
  work?: boolean;
  /**
   * Queues this process works, with their concurrency. Default: every queue named by `types`
   * (`default` for types without one), each with `concurrency`.
   */
  queues?: Record<string, { concurrency?: number }>;
  /** Concurrency of a queue that does not set its own. Default: 10. */
  concurrency?: number;
  /**
   * Jobs each queue claims ahead of its free slots and holds in a local buffer (fewer, larger claims
   * for many short jobs; buffered jobs are locked to this worker, so a newer higher-priority job may
   * wait behind them). Default: 0.
   */
  prefetch?: number;
  /** How long a claimed job stays locked without renewal (renewed every third of it). Default: 30000 ms. */
  leaseMs?: number;
  /** Fallback poll, for delayed jobs, missed signals and expired leases. Default: 1000 ms. */
  pollIntervalMs?: number;
  /** How long completed jobs are kept before deletion; 0 deletes them on completion. Default: 86400000 ms (1 day). */
  completedRetentionMs?: number;
  /** How often old completed jobs are deleted. Default: 60000 ms. */
  sweepIntervalMs?: number;
  /** Attempts of jobs whose type and enqueue set none. Default: 5. */
  maxAttempts?: number;
  /** Backoff of jobs whose type and enqueue set none. Default: exponential from 1 s, doubling, up to 1 h, full jitter. */
  backoff?: BackoffOptions;
  /** Attempt timeout of jobs whose type and enqueue set none. Default: 300000 ms. */
  timeoutMs?: number;
  /** Readiness check (non-critical, named after the component): degraded past `maxWaitMs`; `false` registers none. Default: `{ maxWaitMs: 300000 }`. */
  readiness?: false | { maxWaitMs?: number };
  /** This worker's id, stored on the jobs it holds. Default: `<hostname>:<pid>:<random>`. */
  workerId?: string;
}

/** The options with every default applied. */
export interface ResolvedOptions {
  name: string;
  work: boolean;
  types: Map<string, JobType>;
  queues: Map<string, number>;
  prefetch: number;
  leaseMs: number;
  pollIntervalMs: number;
  completedRetentionMs: number;
  sweepIntervalMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  timeoutMs: number;
  readinessMaxWaitMs: number | undefined;
  workerId: string;
}

/** Validates the options (one ValidationError listing every problem) and applies the defaults. */
export function resolveOptions<DB>(options: JobQueueOptions<DB>): ResolvedOptions {
  const queues = Object.entries(options.queues ?? {});
  const readiness = options.readiness;
  const types = Array.isArray(options.types) ? options.types : [];
  const names = types.map((t) => t.name);
  rejectProblems([
    ...(options.store && typeof options.store === 'object' ? [] : [{ path: 'store', message: 'is required' }]),
    ...(Array.isArray(options.types) ? [] : [{ path: 'types', message: 'must be an array of job types' }]),
    ...(new Set(names).size === names.length ? [] : [{ path: 'types', message: 'has two types with one name' }]),
    ...checkPositiveInt('concurrency', options.concurrency),
    ...checkPositiveInt('leaseMs', options.leaseMs),
    ...(options.prefetch === undefined || options.prefetch === 0 ? [] : checkPositiveInt('prefetch', options.prefetch)),
    ...checkPositiveInt('pollIntervalMs', options.pollIntervalMs),
    ...checkNonNegative('completedRetentionMs', options.completedRetentionMs),
    ...checkPositiveInt('sweepIntervalMs', options.sweepIntervalMs),
    ...checkPositiveInt('maxAttempts', options.maxAttempts),
    ...checkPositiveInt('timeoutMs', options.timeoutMs),
    ...checkBackoff(options.backoff),
    ...(readiness ? checkPositiveInt('readiness.maxWaitMs', readiness.maxWaitMs) : []),
    ...queues.flatMap(([name, q]) => checkPositiveInt(`queues.${name}.concurrency`, q.concurrency)),
  ]);
  const concurrency = options.concurrency ?? 10;
  const queueMap = new Map<string, number>(
    queues.length > 0
      ? queues.map(([name, q]) => [name, q.concurrency ?? concurrency])
      : [...new Set(types.map((t) => t.queue ?? 'default'))].map((q) => [q, concurrency]),
  );
  return {
    name: options.name ?? 'jobs',
    work: options.work ?? true,
    types: new Map(types.map((t) => [t.name, t])),
    queues: queueMap,
    prefetch: options.prefetch ?? 0,
    leaseMs: options.leaseMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    completedRetentionMs: options.completedRetentionMs ?? 86_400_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    maxAttempts: options.maxAttempts ?? 5,
    backoff: options.backoff ?? defaultBackoff,
    timeoutMs: options.timeoutMs ?? 300_000,
    readinessMaxWaitMs: readiness === false ? undefined : (readiness?.maxWaitMs ?? 300_000),
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}
