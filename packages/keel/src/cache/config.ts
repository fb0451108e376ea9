import { z } from 'zod';
import type { CacheOptions } from './options.js';
import { redisUrl } from './validation.js';

// A blank variable (`REDIS_URL=`) means unset, as everywhere in keel/config.
const blank = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * The variables the cache reads, to extend a service's config schema with.
 *
 * @example
 * ```ts
 * const config = loadConfig(baseConfigSchema.extend(cacheConfigSchema.shape));
 * const cache = createCache({ ...cacheOptionsFromConfig(config), ttlMs: 60_000 });
 * ```
 */
export const cacheConfigSchema = z.object({
  /** `redis://` (or `rediss://`) URL of the shared tier and bus (Redis 7.0+); unset or blank: memory only. */
  REDIS_URL: z.preprocess(blank, redisUrl.optional()),
  /** Prefix of the cache's Redis keys and channels; instances sharing data share it. Default: `keel`. */
  CACHE_PREFIX: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
      .default('keel'),
  ),
  /** Consistency of namespaces that do not set their own through a Redis outage: `strict` or `eventual`. Default: `strict`. */
  CACHE_CONSISTENCY: z.preprocess(
    blank,
    z.enum(['strict', 'eventual'], "must be 'strict' or 'eventual'").default('strict'),
  ),
});

/**
 * The parsed {@link cacheConfigSchema}.
 *
 * @example
 * ```ts
 * const config: CacheConfig = loadConfig(cacheConfigSchema);
 * ```
 */
export type CacheConfig = z.output<typeof cacheConfigSchema>;

/**
 * {@link CacheOptions} from parsed config: the Redis URL (none: memory only), the prefix and the
 * default consistency. Durations and memory limits are code, passed beside it.
 *
 * @example
 * ```ts
 * const cache = createCache({ ...cacheOptionsFromConfig(config), ttlMs: 60_000 });
 * ```
 */
export function cacheOptionsFromConfig(config: CacheConfig): CacheOptions {
  return {
    ...(config.REDIS_URL === undefined ? {} : { redisUrl: config.REDIS_URL }),
    prefix: config.CACHE_PREFIX,
    consistency: config.CACHE_CONSISTENCY,
  };
}
