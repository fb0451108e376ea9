import { z } from 'zod';
import { intVar, listVar, type SecretRule } from '../config/index.js';

/** The value an example `.env` ships for `JWT_SECRET`; refused in production. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-secret-of-32-bytes-or-more';

/**
 * The variables of {@link accountsFeature}: extend a service's schema with its shape.
 *
 * @example
 * ```ts
 * const schema = appConfigSchema.extend(accountsConfigSchema.shape).extend({ MY_VAR: intVar(1) });
 * const config = loadConfig(schema, { secrets: accountSecrets });
 * ```
 */
export const accountsConfigSchema = z.object({
  /** HS256 key for access tokens; a development default exists only outside production. */
  JWT_SECRET: z.string().min(1),
  /** Access token lifetime. Default: 3600 s. */
  JWT_TTL_SECONDS: intVar(3600, 60, 7 * 24 * 3600),
  /** Users whose email is listed are admins. Default: none. */
  ADMIN_EMAILS: listVar([]).transform((emails) => emails.map((email) => email.toLowerCase())),
  /** Register and login attempts per minute per client IP. Default: 10. */
  RATE_LIMIT_AUTH_PER_MINUTE: intVar(10, 1),
});

/**
 * The parsed {@link accountsConfigSchema}.
 *
 * @example
 * ```ts
 * const ttl: AccountsConfig['JWT_TTL_SECONDS'] = config.JWT_TTL_SECONDS;
 * ```
 */
export type AccountsConfig = z.output<typeof accountsConfigSchema>;

/**
 * The secret rules of the accounts' variables, for `loadConfig`'s `secrets`.
 *
 * @example
 * ```ts
 * loadConfig(schema, { secrets: { ...accountSecrets, API_KEY: { minBytes: 16 } } });
 * ```
 */
export const accountSecrets: Readonly<Record<string, SecretRule>> = Object.freeze({
  JWT_SECRET: {
    example: EXAMPLE_JWT_SECRET,
    developmentDefault: 'keel-development-secret-not-for-production',
    minBytes: 32,
  },
});
