import type { z } from 'zod';
import { backupConfigSchema } from '../backup/index.js';
import { cacheConfigSchema } from '../cache/index.js';
import { baseConfigSchema } from '../config/index.js';
import { jobsConfigSchema } from '../jobs/index.js';

/**
 * Every variable {@link createApp} reads: the base ones (HTTP, store, logs, shutdown) and those of
 * jobs, cache and backups. Extend it with the service's own.
 *
 * @example
 * ```ts
 * const schema = appConfigSchema.extend({ REMINDER_MINUTES: intVar(15, 1) });
 * const config = loadConfig(schema);
 * ```
 */
export const appConfigSchema = baseConfigSchema
  .extend(jobsConfigSchema.shape)
  .extend(cacheConfigSchema.shape)
  .extend(backupConfigSchema.shape);

/**
 * The parsed {@link appConfigSchema}.
 *
 * @example
 * ```ts
 * const config: AppConfig = loadConfig(appConfigSchema);
 * ```
 */
export type AppConfig = z.output<typeof appConfigSchema>;
