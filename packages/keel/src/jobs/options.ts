import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { checkOptions, duplicateNames, option } from '../config/index.js';
import { Store } from '../store/index.js';
import { backoffOption, defaultBackoff } from './backoff.js';
import type { JobType } from './define-job.js';
import type { BackoffOptions } from './types.js';

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
  /**
   * The job types this process knows: it runs only these, and they validate enqueued payloads.
   * More can be added with {@link JobQueue.register} before start. Default: none.
   */
  types?: readonly JobType[];
  /** Component name. Default: `jobs`. */
  name?: string;
  /** Run jobs in this process; `false` makes a producer that only enqueues and manages jobs. Default: `true`. */
  work?: boolean;
  /**
   * Queues this process works, with their concurrency. Default: every queue named by the types
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
  /**
   * Adaptive batching: while a queue's backlog is deep (its claims come back full), it also claims as
   * many jobs as it finishes in this long at its recent rate (at most 1000), in fewer, larger claims
   * refilled before they run out; a shallow queue claims only for its free slots, so a lone job starts
   * at once. 0 turns it off. Default: 25 ms.
   */
  claimAheadMs?: number;
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

/** The options with every default applied (the types are kept apart: more can be registered before start). */
export interface ResolvedOptions {
  name: string;
  work: boolean;
  /** The `queues` option, when given; else the queues follow the types at start. */
  queues: Map<string, number> | undefined;
  concurrency: number;
  prefetch: number;
  claimAheadMs: number;
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

/** A value that can be used as a job type (made by `defineJob`). */
export function isJobType(value: unknown): value is JobType {
  const type = value as JobType | null | undefined;
  return (
    typeof type === 'object' &&
    type !== null &&
    typeof type.name === 'string' &&
    typeof type.parse === 'function' &&
    typeof type.handle === 'function'
  );
}

const jobTypeOption = z.custom<JobType>(isJobType, 'must be a job type (defineJob)');

const jobQueueOptionsSchema = z.object({
  store: option.instance(Store, 'a store (createStore)'),
  types: z
    .array(jobTypeOption, 'must be an array of job types')
    .superRefine((types, ctx) => {
      const twice = duplicateNames(types);
      if (twice.length > 0) ctx.addIssue({ code: 'custom', message: `name two types ${twice.join(', ')}` });
    })
    .optional(),
  name: option.name().optional(),
  work: z.boolean('must be true or false').optional(),
  queues: z
    .record(option.name(), z.object({ concurrency: option.count().optional() }), {
      error: (issue) =>
        issue.code === 'invalid_key' ? 'is not a queue name (1-128 letters, digits or ._:-)' : undefined,
    })
    .optional(),
  concurrency: option.count().optional(),
  prefetch: z.number().int('must be a whole number').nonnegative('must be 0 or more').optional(),
  claimAheadMs: option.durationMs().optional(),
  leaseMs: option.positiveDurationMs().optional(),
  pollIntervalMs: option.positiveDurationMs().optional(),
  completedRetentionMs: option.durationMs().optional(),
  sweepIntervalMs: option.positiveDurationMs().optional(),
  maxAttempts: option.count().optional(),
  backoff: backoffOption.optional(),
  timeoutMs: option.positiveDurationMs().optional(),
  readiness: z
    .union([z.literal(false), z.object({ maxWaitMs: option.positiveDurationMs().optional() })], {
      error: 'must be false or { maxWaitMs }',
    })
    .optional(),
  workerId: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
});

/** Checks the options (a UsageError lists every problem) and applies the defaults. */
export function resolveOptions<DB>(options: JobQueueOptions<DB>): ResolvedOptions {
  const checked = checkOptions('createJobQueue', jobQueueOptionsSchema, options);
  const concurrency = checked.concurrency ?? 10;
  const queues = checked.queues
    ? new Map(Object.entries(checked.queues).map(([name, q]) => [name, q.concurrency ?? concurrency]))
    : undefined;
  const readiness = checked.readiness;
  return {
    name: checked.name ?? 'jobs',
    work: checked.work ?? true,
    queues,
    concurrency,
    prefetch: checked.prefetch ?? 0,
    claimAheadMs: checked.claimAheadMs ?? 25,
    leaseMs: checked.leaseMs ?? 30_000,
    pollIntervalMs: checked.pollIntervalMs ?? 1000,
    completedRetentionMs: checked.completedRetentionMs ?? 86_400_000,
    sweepIntervalMs: checked.sweepIntervalMs ?? 60_000,
    maxAttempts: checked.maxAttempts ?? 5,
    backoff: checked.backoff ?? defaultBackoff,
    timeoutMs: checked.timeoutMs ?? 300_000,
    readinessMaxWaitMs: readiness === false ? undefined : (readiness?.maxWaitMs ?? 300_000),
    workerId: checked.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}

/** The queues a worker runs: the `queues` option, else every queue the types name, each with `concurrency`. */
export function workedQueues(settings: ResolvedOptions, types: Iterable<JobType>): Map<string, number> {
  if (settings.queues) return settings.queues;
  const names = new Set<string>();
  for (const type of types) names.add(type.queue ?? 'default');
  return new Map([...names].map((queue) => [queue, settings.concurrency]));
}
