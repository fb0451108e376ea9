/**
 * `keel/config`: the environment parsed by a zod schema, every problem reported at once, secrets
 * checked harder in production; and `checkOptions`, the one way Keel's functions check their options.
 *
 * @example
 * ```ts
 * import { baseConfigSchema, intVar, listVar, loadConfig } from 'keel/config';
 *
 * const config = loadConfig(
 *   baseConfigSchema.extend({ JWT_SECRET: z.string(), ADMIN_EMAILS: listVar(), WORKERS: intVar(4, 1, 64) }),
 *   { secrets: { JWT_SECRET: { example: 'change-me', developmentDefault: 'dev-only-secret' } } },
 * );
 * ```
 * @module
 */

export { type BaseConfig, baseConfigSchema } from './base-schema.js';
export { checkOptions, duplicateNames, option } from './check-options.js';
export { boolVar, intVar, listVar, optionalBoolVar } from './fields.js';
export { type LoadConfigOptions, loadConfig } from './load-config.js';
export type { SecretRule } from './secrets.js';
