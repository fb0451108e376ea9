/**
 * `keel/jobs`: a durable job queue in the service's own SQL database (SQLite or PostgreSQL), with
 * transactional enqueue, retries with backoff, leases, graceful shutdown, an admin API, metrics and
 * a readiness check.
 * @module
 */
export { jobsAdminRoutes } from './admin-routes.js';
export { backoffDelay, backoffOption, defaultBackoff } from './backoff.js';
export { type JobsConfig, jobQueueOptionsFromConfig, jobsConfigSchema } from './config.js';
export { defineJob, type JobType, type JobTypeDefinition } from './define-job.js';
export { isPermanentJobError, PermanentJobError } from './errors.js';
export { isJobId } from './ids.js';
export {
  createJobQueue,
  type InTransaction,
  type JobPage,
  JobQueue,
  type ListJobsQuery,
} from './job-queue.js';
export type { JobQueueOptions } from './options.js';
export type { JobStats } from './stats.js';
export {
  type BackoffOptions,
  type EnqueuedJob,
  type EnqueueOptions,
  type Job,
  type JobAttemptError,
  type JobContext,
  type JobRef,
  type JobState,
  jobStates,
} from './types.js';
