import { z } from 'zod';
import type { AppConfig, Feature, FeatureContext } from '../app/index.js';
import { defineFeature } from '../app/index.js';
import { checkOptions } from '../config/index.js';
import type { Store } from '../store/index.js';
import { bearerAuthentication } from './authentication.js';
import type { AccountsConfig } from './config.js';
import { UserRepository } from './repository.js';
import { accountRoutes } from './routes.js';
import { AccountService, USERS_NAMESPACE } from './service.js';
import { type AccountTables, accountMigrations } from './tables.js';
import { TokenIssuer } from './tokens.js';

/**
 * Options of {@link accountsFeature}.
 *
 * @example
 * ```ts
 * const options: AccountsFeatureOptions = { issuer: 'planner', prefix: '/api/v1' };
 * ```
 */
export interface AccountsFeatureOptions {
  /** The `iss` of access tokens: a token of another service is refused. @defaultValue `keel` */
  issuer?: string;
  /** Prepended to `/auth/register`, `/auth/login` and `/users/me`. @defaultValue `/api/v1` */
  prefix?: string;
}

/**
 * What the accounts feature gives other features through `app.use(accounts)`.
 *
 * @example
 * ```ts
 * const { users } = app.use(accounts);
 * const names = await users.names(ids);
 * ```
 */
export interface AccountsExports {
  /** Users, read inside the caller's transaction when there is one. */
  users: UserRepository;
  /** Registration, login and the cached lookup of a user by id. */
  accounts: AccountService;
}

const optionsSchema = z.object({
  issuer: z.string().min(1).max(256).default('keel'),
  prefix: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be empty or a path such as /api/v1')
    .default('/api/v1'),
});

/**
 * Accounts: a `users` table, registration and login (argon2id passwords, HS256 access tokens),
 * `GET /users/me`, and the service's authentication (a bearer token of an existing user; admins
 * by `ADMIN_EMAILS`). The service's config extends {@link accountsConfigSchema} and its database
 * type extends {@link AccountTables}.
 *
 * @example
 * ```ts
 * export const accounts = accountsFeature<Database, Config>({ issuer: 'watcher' });
 * createApp<Database, Config>({ name: 'watcher', config, features: [accounts, watchlist] });
 * ```
 */
export function accountsFeature<DB extends AccountTables, C extends AppConfig & AccountsConfig>(
  options?: AccountsFeatureOptions,
): Feature<AccountsExports, DB, C> {
  const { issuer, prefix } = checkOptions('accountsFeature', optionsSchema, options ?? {});
  return defineFeature({
    name: 'accounts',
    setup: (app: FeatureContext<DB, C>) => {
      // The repository reads only the accounts' own table, whatever else the service's database holds.
      const users = new UserRepository(app.store as unknown as Store<AccountTables>);
      const tokens = new TokenIssuer(app.config.JWT_SECRET, app.config.JWT_TTL_SECONDS, issuer);
      const service = new AccountService(users, tokens, app.cache);
      return {
        migrations: accountMigrations,
        cacheNamespaces: { [USERS_NAMESPACE]: {} },
        auth: bearerAuthentication(tokens, service, new Set(app.config.ADMIN_EMAILS)),
        routes: accountRoutes(service, app.guards, app.config.RATE_LIMIT_AUTH_PER_MINUTE),
        prefix,
        exports: { users, accounts: service },
      };
    },
  });
}
