import { type AccountPrincipal, accountsFeature } from 'keel/accounts';
import type { WatcherConfig } from './config.js';
import type { WatcherDatabase } from './database.js';

declare module 'keel/http' {
  /** The caller of an authenticated watcher request: `request.principal`. */
  interface Principal extends AccountPrincipal {}
}

/** Accounts (keel/accounts): users, registration, login with access tokens, `users/me`. */
export const accounts = accountsFeature<WatcherDatabase, WatcherConfig>({ issuer: 'watcher' });
