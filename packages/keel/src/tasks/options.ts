import { z } from 'zod';
import { checkOptions, duplicateNames, option } from '../config/index.js';
import { JobQueue } from '../jobs/index.js';
import { Scheduler } from '../schedule/index.js';
import { Store } from '../store/index.js';
import { isTaskType, type TaskType } from './define-task.js';

/**
 * Options of {@link createTasks}.
 *
 * @example
 * ```ts
 * const tasks = createTasks({ store, jobs, scheduler, dataDir: config.DATA_DIR, types: [parsePost], workers: 10 });
 * ```
 */
export interface TasksOptions<DB> {
  /** The store whose database holds the tasks (table `keel_task`, created at start). */
  store: Store<DB>;
  /** The job queue that runs them; the task types' job types are registered on it at once. */
  jobs: JobQueue<DB>;
  /** The scheduler the result cleanup is added to (`<name>.cleanup`). Default: none (call `expireResults()` yourself). */
  scheduler?: Scheduler<DB>;
  /** The service's data folder (`DATA_DIR`); files go to `<dataDir>/tasks/<taskId>/`. Share it between instances that serve downloads. */
  dataDir: string;
  /** The task types (at least one; unique names). */
  types: readonly TaskType[];
  /** Component name; also prefixes the job types (`<name>.<type>`). Default: `tasks`. */
  name?: string;
  /** The job queue's queue the tasks run in. Default: `tasks`. */
  queue?: string;
  /** Tasks this process runs at once. Default: 10. */
  workers?: number;
  /** Timeout of an attempt, for types that set none. Default: 3600000 ms (1 hour). */
  timeoutMs?: number;
  /** How long a succeeded task's result is kept, for types that set none. Default: 604800000 ms (7 days). */
  resultTtlMs?: number;
  /** Most running tasks per owner (across instances); more wait `queued`. Default: none (no limit). */
  maxRunningPerOwner?: number;
  /** How soon a task held back by `maxRunningPerOwner` looks again. Default: 1000 ms. */
  ownerLimitRetryMs?: number;
  /** Progress writes of one task are at most this often (the rest are coalesced). Default: 500 ms. */
  progressIntervalMs?: number;
  /** How often running tasks look for a cancel or a takeover (and watchers poll). Default: 500 ms. */
  checkIntervalMs?: number;
  /** How long a handler interrupted by shutdown may take to checkpoint and stop before it is cut. Default: 1000 ms. */
  abortGraceMs?: number;
  /** How often the cleanup schedule expires results past their TTL. Default: 60000 ms. */
  cleanupIntervalMs?: number;
}

/** The options with every default applied. */
export interface ResolvedTasksOptions {
  name: string;
  queue: string;
  dataDir: string;
  workers: number;
  timeoutMs: number;
  resultTtlMs: number;
  maxRunningPerOwner: number | undefined;
  ownerLimitRetryMs: number;
  progressIntervalMs: number;
  checkIntervalMs: number;
  abortGraceMs: number;
  cleanupIntervalMs: number;
}

const optionsSchema = z.object({
  store: option.instance(Store, 'a store (createStore)'),
  jobs: option.instance(JobQueue, 'a job queue (createJobQueue)'),
  scheduler: option.instance(Scheduler, 'a scheduler (createScheduler)').optional(),
  dataDir: z.string('must be a folder path').min(1, 'must not be empty'),
  types: z
    .array(z.custom<TaskType>(isTaskType, 'must be a task type (defineTask)'), 'must be an array of task types')
    .min(1, 'must name at least one task type')
    .superRefine((types, ctx) => {
      const twice = duplicateNames(types);
      if (twice.length > 0) ctx.addIssue({ code: 'custom', message: `name two types ${twice.join(', ')}` });
    }),
  name: option.name().optional(),
  queue: option.name().optional(),
  workers: option.count().optional(),
  timeoutMs: option.positiveDurationMs().optional(),
  resultTtlMs: option.positiveDurationMs().optional(),
  maxRunningPerOwner: option.count().optional(),
  ownerLimitRetryMs: option.positiveDurationMs().optional(),
  progressIntervalMs: option.durationMs().optional(),
  checkIntervalMs: option.positiveDurationMs().optional(),
  abortGraceMs: option.durationMs().optional(),
  cleanupIntervalMs: z.number().int('must be a whole number of ms').min(1000, 'must be 1000 or more').optional(),
});

/** Checks the options (a UsageError lists every problem) and applies the defaults. */
export function resolveTasksOptions<DB>(options: TasksOptions<DB>): ResolvedTasksOptions {
  const checked = checkOptions('createTasks', optionsSchema, options);
  return {
    name: checked.name ?? 'tasks',
    queue: checked.queue ?? 'tasks',
    dataDir: checked.dataDir,
    workers: checked.workers ?? 10,
    timeoutMs: checked.timeoutMs ?? 3_600_000,
    resultTtlMs: checked.resultTtlMs ?? 604_800_000,
    maxRunningPerOwner: checked.maxRunningPerOwner,
    ownerLimitRetryMs: checked.ownerLimitRetryMs ?? 1000,
    progressIntervalMs: checked.progressIntervalMs ?? 500,
    checkIntervalMs: checked.checkIntervalMs ?? 500,
    abortGraceMs: checked.abortGraceMs ?? 1000,
    cleanupIntervalMs: checked.cleanupIntervalMs ?? 60_000,
  };
}
