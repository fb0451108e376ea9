import type { LogDestination as DestinationStream } from 'keel/logging';
import { type App, createApp } from 'keel';
import type { Kysely } from 'keel/store';
import { Authenticator } from './auth/authenticator.js';
import { authRoutes } from './auth/routes.js';
import { TokenIssuer } from './auth/tokens.js';
import type { PlannerConfig } from './config.js';
import { migrations } from './db/migrations.js';
import type { PlannerDatabase } from './db/schema.js';
import { eventRoutes } from './events/routes.js';
import { EventService } from './events/service.js';
import { UserRepository } from './users/repository.js';
import { userRoutes } from './users/routes.js';

/** The planner service, wired but not started. */
export interface Planner extends App<PlannerDatabase> {
  config: PlannerConfig;
  auth: Authenticator;
  users: UserRepository;
  events: EventService;
}

/** Options of {@link createPlanner}. */
export interface PlannerOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: DestinationStream;
}

/** Builds the planner from its configuration. */
export function createPlanner(config: PlannerConfig, options: PlannerOptions = {}): Planner {
  const users = new UserRepository((): Kysely<PlannerDatabase> => app.store.db);
  const tokens = new TokenIssuer(config.JWT_SECRET, config.JWT_TTL_SECONDS);
  const auth = new Authenticator(tokens, users, new Set(config.ADMIN_EMAILS));
  const app: App<PlannerDatabase> = createApp<PlannerDatabase>({
    name: 'planner',
    config,
    migrations,
    openapi: { title: 'Planner API', version: '1.0.0', description: 'Events, participants and RSVP.' },
    rateLimitKey: auth.rateLimitKey,
    ...(options.logDestination ? { logDestination: options.logDestination } : {}),
  });
  const events = new EventService(app.store, users);
  app.http
    .routes(authRoutes({ users, tokens, perMinute: config.RATE_LIMIT_AUTH_PER_MINUTE }))
    .routes(userRoutes(auth))
    .routes(eventRoutes(auth, events));
  return { ...app, config, auth, users, events };
}
