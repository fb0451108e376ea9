import { z } from 'zod';
import { boolVar, intVar } from '../config/index.js';
import type { JobQueueOptions } from './options.js';

/**
 * The variables the job queue reads, to extend a service's config schema with.
 *
 * @example
 * ```ts
 * const config = loadConfig(baseConfigSchema.extend(jobsConfigSchema.shape));
 * const jobs = createJobQueue({ store, ...jobQueueOptionsFromConfig(config) });
 * ```
 */
export const jobsConfigSchema = z.object({
  /** Run jobs in this process; `false` for API-only instances (they only enqueue). Default: `true`. */
  JOBS_WORK: boolVar(true).describe('run jobs in this process; false for API-only instances'),
  /** Jobs run at once per queue in this process, 1 to 1000. Default: 10. */
  JOB_CONCURRENCY: intVar(10, 1, 1000).describe('jobs run at once per queue in this process'),
  /** Jobs each queue claims ahead of its free slots, 0 to 10000. Default: 0. */
  JOBS_PREFETCH: intVar(0, 0, 10_000).describe('jobs each queue claims ahead of its free slots'),
});

/**
 * The parsed {@link jobsConfigSchema}.
 *
 * @example
 * ```ts
 * const config: JobsConfig = jobsConfigSchema.parse(process.env);
 * ```
 */
export type JobsConfig = z.output<typeof jobsConfigSchema>;

/**
 * The {@link JobQueueOptions} the config sets: `work`, `concurrency` and `prefetch` (the store and
 * the types come from the code).
 *
 * @example
 * ```ts
 * const jobs = createJobQueue({ store, types: [sendReminder], ...jobQueueOptionsFromConfig(config) });
 * ```
 */
export function jobQueueOptionsFromConfig(
  config: JobsConfig,
): Required<Pick<JobQueueOptions<unknown>, 'work' | 'concurrency' | 'prefetch'>> {
  return { work: config.JOBS_WORK, concurrency: config.JOB_CONCURRENCY, prefetch: config.JOBS_PREFETCH };
}
