/**
 * `keel/schedule`: cron and interval schedules run as durable jobs (keel/jobs), exactly one job per
 * tick across instances, with overlap and missed-tick policies, pause/resume/trigger, an admin API
 * and metrics. A schedule is one declaration: `defineSchedule({ name, cron, handler })` brings its
 * own job type; `defineSchedule({ name, cron, job, payload })` enqueues an existing one.
 * @module
 */
export { schedulesAdminRoutes } from './admin-routes.js';
export {
  defineSchedule,
  type HandlerScheduleDefinition,
  type JobScheduleDefinition,
  type MissedPolicy,
  type OverlapPolicy,
  type Schedule,
  type ScheduleDefinition,
  type ScheduledJobOptions,
} from './define-schedule.js';
export type { SchedulerOptions } from './options.js';
export { createScheduler, type ScheduleRun, Scheduler } from './scheduler.js';
export type { LastRun, ScheduleRunStatus, SchedulerStatus, ScheduleStatus } from './status.js';
