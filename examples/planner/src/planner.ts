import { type App, type AppOptions, createApp } from 'keel';
import type { LogDestination } from 'keel/logging';
import { accounts } from './accounts.js';
import type { PlannerConfig } from './config.js';
import type { PlannerDatabase } from './database.js';
import { events } from './events/feature.js';
import { maintenance } from './maintenance/feature.js';
import { notifications } from './notifications/feature.js';
import { notify } from './notifications/notify-feature.js';

/** The planner service, assembled but not started. */
export type Planner = App<PlannerDatabase, PlannerConfig>;

/** Options of {@link createPlanner}. */
export interface PlannerOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: LogDestination;
  /** Serve HTTP; `false` runs only jobs and schedules (a worker process). Default: `true`. */
  http?: boolean;
  /** The backups' clock, for file names (tests). Default: the system clock. */
  backups?: AppOptions<PlannerDatabase, PlannerConfig>['backups'];
}

/** Builds the planner from its configuration: accounts, events, notifications and maintenance. */
export function createPlanner(config: PlannerConfig, options: PlannerOptions = {}): Planner {
  return createApp<PlannerDatabase, PlannerConfig>({
    name: 'planner',
    config,
    features: [accounts, events, notify, notifications, maintenance],
    openapi: {
      title: 'Planner API',
      version: '1.0.0',
      description: 'Events, participants, RSVP and notifications.',
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    ...options,
  });
}
