/**
 * `keel/schedule`: cron and interval schedules that enqueue durable jobs (keel/jobs), exactly one job
 * per tick across instances, with overlap and missed-tick policies, pause/resume/trigger, an admin API
 * and metrics.
 * @module
 */
export { type SchedulerAdminRoutesOptions, schedulerAdminRoutes } from './admin-routes.js';
export {
  defineSchedule,
  type MissedPolicy,
  type OverlapPolicy,
  type Schedule,
  type ScheduleDefinition,
  type ScheduledJobOptions,
} from './define-schedule.js';
export type { SchedulerOptions } from './options.js';
export { createScheduler, type ScheduleRun, Scheduler } from './scheduler.js';
export { scheduleMigrations } from './schema.js';
export type { LastRun, ScheduleRunStatus, SchedulerStatus, ScheduleStatus } from './status.js';
