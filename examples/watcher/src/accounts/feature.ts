import { defineFeature } from 'keel';
import type { WatcherApp } from '../database.js';
import { bearerAuthentication } from './authentication.js';
import { UserRepository } from './repository.js';
import { accountRoutes } from './routes.js';
import { AccountService, USERS_NAMESPACE } from './service.js';
import { accountMigrations } from './tables.js';
import { TokenIssuer } from './tokens.js';

/** Accounts: users, registration, login with access tokens, and who calls each request. */
export const accounts = defineFeature({
  name: 'accounts',
  setup: (app: WatcherApp) => {
    const users = new UserRepository(app.store);
    const tokens = new TokenIssuer(app.config.JWT_SECRET, app.config.JWT_TTL_SECONDS);
    const service = new AccountService(users, tokens, app.cache);
    return {
      migrations: accountMigrations,
      cacheNamespaces: { [USERS_NAMESPACE]: {} },
      auth: bearerAuthentication(tokens, service, new Set(app.config.ADMIN_EMAILS)),
      routes: accountRoutes(service, app.guards, app.config.RATE_LIMIT_AUTH_PER_MINUTE),
      prefix: '/api/v1',
      exports: { users, accounts: service },
    };
  },
});
