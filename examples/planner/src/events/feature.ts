import { defineFeature } from 'keel';
import { accounts } from '../accounts.js';
import type { PlannerApp } from '../database.js';
import { notifications } from '../notifications/feature.js';
import { enqueueNotifications } from './notifications.js';
import { CachedEventPages, EVENT_PAGES, EVENT_VERSIONS } from './page-cache.js';
import { Reminders } from './reminders.js';
import { EventRepository } from './repository.js';
import { eventRoutes } from './routes.js';
import { EventService } from './service.js';
import { eventMigrations } from './tables.js';

/** Events, participants and RSVP, with their notifications, reminders and cached pages. */
export const events = defineFeature({
  name: 'events',
  setup: (app: PlannerApp) => {
    const { users } = app.use(accounts);
    const { notify } = app.use(notifications);
    const pages = new CachedEventPages(app.cache, app.logger);
    const service = new EventService(app.store, new EventRepository(app.store), users, pages);
    const reminders = new Reminders(app.store, app.jobs, app.config.REMINDER_MINUTES);
    service.onChange(enqueueNotifications(app.jobs, notify, users));
    service.onChange(reminders.sync);
    service.onCommitted(pages.invalidate);
    return {
      migrations: eventMigrations,
      jobs: [reminders.type],
      cacheNamespaces: { [EVENT_PAGES]: {}, [EVENT_VERSIONS]: {} },
      routes: eventRoutes(service, app.guards),
      prefix: '/api/v1',
      exports: service,
    };
  },
});
