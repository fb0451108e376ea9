/**
 * `keel/config`: the environment parsed by a zod schema, every problem reported at once.
 * @module
 */
export { loadConfig, type LoadConfigOptions } from './load-config.js';
export { baseConfigSchema, type BaseConfig } from './base-schema.js';
export { intVar, listVar, boolVar } from './fields.js';
export type { SecretRule } from './secrets.js';
