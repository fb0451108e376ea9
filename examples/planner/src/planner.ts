import { type App, createApp } from 'keel';
import { type Backups, backupAdminRoutes, backupsOptionsFromConfig, createBackups } from 'keel/backup';
import { cacheAdminRoutes, createCache, type KeelCache } from 'keel/cache';
import { createJobQueue, type JobQueue, jobsAdminRoutes } from 'keel/jobs';
import type { LogDestination } from 'keel/logging';
import { createScheduler, type Scheduler, schedulerAdminRoutes } from 'keel/schedule';
import type { Kysely } from 'keel/store';
import { Authenticator } from './auth/authenticator.js';
import { authRoutes } from './auth/routes.js';
import { TokenIssuer } from './auth/tokens.js';
import { PlannerCache } from './caching/planner-cache.js';
import type { PlannerConfig } from './config.js';
import { migrations } from './db/migrations.js';
import type { PlannerDatabase } from './db/schema.js';
import { eventRoutes } from './events/routes.js';
import { EventService } from './events/service.js';
import { backupJob, cleanupJob, maintenanceSchedules } from './jobs/maintenance.js';
import { notifyJob } from './jobs/notify.js';
import { Reminders } from './jobs/reminders.js';
import { enqueueNotifications } from './notifications/enqueue.js';
import { notificationRoutes } from './notifications/routes.js';
import { UserRepository } from './users/repository.js';
import { userRoutes } from './users/routes.js';

/** The planner service, wired but not started. */
export interface Planner extends App<PlannerDatabase> {
  config: PlannerConfig;
  auth: Authenticator;
  users: UserRepository;
  events: EventService;
  jobs: JobQueue<PlannerDatabase>;
  cache: KeelCache;
  scheduler: Scheduler<PlannerDatabase>;
  backups: Backups;
}

/** Options of {@link createPlanner}. */
export interface PlannerOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: LogDestination;
}

/**
 * Builds the planner from its configuration: store, job queue (notifications, reminders, backups,
 * cleanup), cache, scheduler, backups and the HTTP API, in one service.
 */
export function createPlanner(config: PlannerConfig, options: PlannerOptions = {}): Planner {
  let app: App<PlannerDatabase> | undefined;
  const users = new UserRepository((): Kysely<PlannerDatabase> => app!.store.db);
  const cache = createCache({
    prefix: config.CACHE_PREFIX,
    ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
  });
  const plannerCache = new PlannerCache(cache, users, () => app!.logger);
  const tokens = new TokenIssuer(config.JWT_SECRET, config.JWT_TTL_SECONDS);
  const auth = new Authenticator(tokens, (id) => plannerCache.user(id), new Set(config.ADMIN_EMAILS));
  app = createApp<PlannerDatabase>({
    name: 'planner',
    config,
    migrations,
    openapi: {
      title: 'Planner API',
      version: '1.0.0',
      description: 'Events, participants, RSVP and notifications.',
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    rateLimitKey: auth.rateLimitKey,
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
  });
  const { store, http, service } = app;

  const backups = createBackups({ store, ...backupsOptionsFromConfig(config) });
  const notify = notifyJob(store);
  const reminders = new Reminders(store, () => jobs, config.REMINDER_MINUTES);
  const backup = backupJob(backups);
  const cleanup = cleanupJob(store, config.NOTIFICATION_RETENTION_DAYS);
  const jobs: JobQueue<PlannerDatabase> = createJobQueue({
    store,
    types: [notify, reminders.type, backup, cleanup],
    work: config.JOBS_WORK,
    concurrency: config.JOB_CONCURRENCY,
  });
  const scheduler = createScheduler({ store, jobs, schedules: maintenanceSchedules(config.TZ, backup, cleanup) });

  const events = new EventService(store, users, plannerCache);
  events.onChange(enqueueNotifications(() => jobs, notify));
  events.onChange(reminders.sync);
  events.onCommitted(plannerCache.invalidate);

  service.add(jobs).add(cache).add(backups).add(scheduler);
  http
    .after(jobs.name, cache.name, backups.name, scheduler.name)
    .routes(authRoutes({ users, tokens, perMinute: config.RATE_LIMIT_AUTH_PER_MINUTE }))
    .routes(userRoutes(auth))
    .routes(eventRoutes(auth, events))
    .routes(notificationRoutes(auth, store))
    .routes(jobsAdminRoutes(jobs, { onRequest: auth.admin }))
    .routes(cacheAdminRoutes(cache, { onRequest: auth.admin }))
    .routes(schedulerAdminRoutes(scheduler, { onRequest: auth.admin }))
    .routes(backupAdminRoutes(backups, { onRequest: auth.admin }));
  return { ...app, config, auth, users, events, jobs, cache, scheduler, backups };
}
