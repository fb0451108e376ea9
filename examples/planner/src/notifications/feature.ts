import { defineFeature } from 'keel';
import type { PlannerApp } from '../database.js';
import { cleanupJob, cleanupSchedule } from './cleanup.js';
import { notify as notifyFeature } from './notify-feature.js';
import { notifyJob } from './notify-job.js';
import { notificationRoutes } from './routes.js';
import { InboxService } from './service.js';
import { notificationMigrations } from './tables.js';

/** The in-app inbox on keel/notify: delivery jobs, reading and marking read, and the cleanup of old read ones. */
export const notifications = defineFeature({
  name: 'notifications',
  setup: (app: PlannerApp) => {
    const notifier = app.use(notifyFeature);
    const inbox = new InboxService(notifier.inbox);
    const notify = notifyJob(app.store);
    const cleanup = cleanupJob(app.store, app.config.NOTIFICATION_RETENTION_DAYS);
    return {
      migrations: notificationMigrations(app.store.dialect),
      jobs: [notify, cleanup],
      schedules: [cleanupSchedule(cleanup, app.config.TZ)],
      routes: notificationRoutes(inbox, app.guards),
      prefix: '/api/v1',
      exports: { notify, inbox, notifier },
    };
  },
});
