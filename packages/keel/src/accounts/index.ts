/**
 * `keel/accounts`: users, registration, login with access tokens, `GET /users/me`, and who calls
 * each request, as one feature a service lists.
 *
 * @example
 * ```ts
 * import { accountsConfigSchema, accountSecrets, accountsFeature, type AccountPrincipal, type AccountTables } from 'keel/accounts';
 *
 * declare module 'keel/http' { interface Principal extends AccountPrincipal {} }
 * const schema = appConfigSchema.extend(accountsConfigSchema.shape);
 * const config = loadConfig(schema, { secrets: accountSecrets });
 * const accounts = accountsFeature<AccountTables, typeof config>({ issuer: 'notes' });
 * await createApp({ name: 'notes', config, features: [accounts] }).service.run();
 * ```
 * @module
 */
export type { AccountPrincipal } from './authentication.js';
export { type AccountsConfig, accountSecrets, accountsConfigSchema, EXAMPLE_JWT_SECRET } from './config.js';
export { type AccountsExports, type AccountsFeatureOptions, accountsFeature } from './feature.js';
export { UserRepository, type UserRow } from './repository.js';
export { type AccessToken, AccountService, type AccountView } from './service.js';
export type { AccountTables, UsersTable } from './tables.js';
