import { type AccountPrincipal, accountsFeature } from 'keel/accounts';
import type { PlannerConfig } from './config.js';
import type { PlannerDatabase } from './database.js';

declare module 'keel/http' {
  /** The caller of an authenticated planner request: `request.principal`. */
  interface Principal extends AccountPrincipal {}
}

/** Accounts: users, registration, login with access tokens, and who calls each request. */
export const accounts = accountsFeature<PlannerDatabase, PlannerConfig>({ issuer: 'planner' });
