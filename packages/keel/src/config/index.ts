/**
 * `keel/config`: the environment parsed by a zod schema, every problem reported at once.
 * @module
 */

export { type BaseConfig, baseConfigSchema } from './base-schema.js';
export { checkOptions, option } from './check-options.js';
export { boolVar, intVar, listVar, optionalBoolVar } from './fields.js';
export { type LoadConfigOptions, loadConfig } from './load-config.js';
export type { SecretRule } from './secrets.js';
