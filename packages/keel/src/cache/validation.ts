import type { Logger } from 'pino';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import type {
  CacheConsistency,
  CacheEntryOptions,
  CacheKeyOptions,
  CacheOptions,
  NamespaceOptions,
  ResolvedCacheOptions,
} from './options.js';

// Every rule of the cache's options and arguments, in one place. A failed check is the calling code's
// bug: checkOptions throws a UsageError (500) listing every problem.

// Options renamed when durations got their `Ms` suffix: the old name fails with a hint, never silently.
const RENAMED: Record<string, string> = {
  ttl: 'ttlMs',
  grace: 'graceMs',
  graceBackoff: 'graceBackoffMs',
  timeout: 'timeoutMs',
  hardTimeout: 'hardTimeoutMs',
  lockTimeout: 'lockTimeoutMs',
  commandTimeout: 'commandTimeoutMs',
  circuitBreakerDuration: 'circuitBreakerDurationMs',
  recoveryInterval: 'recoveryIntervalMs',
  lockTtl: 'lockTtlMs',
  lockWait: 'lockWaitMs',
  ackTimeout: 'ackTimeoutMs',
  settleTimeout: 'settleTimeoutMs',
  warmUpTimeout: 'warmUpTimeoutMs',
};

/** An object schema that refuses unknown keys, naming the new name of a renamed one. */
function strict<S extends Record<string, z.ZodType>>(shape: S) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((key) => (RENAMED[key] ? `${key} (renamed ${RENAMED[key]})` : key));
        return `has unknown option${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
      }
      return undefined;
    },
  });
}

/** Namespaces, tags and the key prefix go inside keys and channel payloads: no `:` separators, no whitespace. */
const NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;
const name = z.string('must be a string').regex(NAME, 'must be 1 to 128 letters, digits or _ . - /');
const consistency = z.enum(['strict', 'eventual'], "must be 'strict' or 'eventual'");
const namespaceOptions = strict({ consistency: consistency.optional() });
const namespaceRecord = z.record(name, namespaceOptions, 'must be an object of namespace options');
const tagList = z.array(name, 'must be an array of tags');

function isRedisUrl(value: string): boolean {
  if (!/^rediss?:\/\//.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

/** A `redis://` or `rediss://` URL with a host: the `redisUrl` option and `REDIS_URL`. */
export const redisUrl = z
  .string('must be a string')
  .refine(isRedisUrl, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');

const cacheOptionsSchema = strict({
  redisUrl: redisUrl.optional(),
  prefix: name.optional(),
  ttlMs: option.positiveDurationMs().optional(),
  graceMs: option.durationMs().optional(),
  graceBackoffMs: option.durationMs().optional(),
  timeoutMs: option.durationMs().optional(),
  hardTimeoutMs: option.positiveDurationMs().optional(),
  lockTimeoutMs: option.positiveDurationMs().optional(),
  memory: strict({ maxItems: option.count().optional(), maxSize: option.count().optional() }).optional(),
  redis: strict({
    commandTimeoutMs: option.positiveDurationMs().optional(),
    circuitBreakerDurationMs: option.positiveDurationMs().optional(),
    recoveryIntervalMs: option.positiveDurationMs().optional(),
    lockTtlMs: option.positiveDurationMs().optional(),
    lockWaitMs: option.durationMs().optional(),
    ackTimeoutMs: option.positiveDurationMs().optional(),
    settleTimeoutMs: option.positiveDurationMs().optional(),
  }).optional(),
  warmUpTimeoutMs: option.durationMs().optional(),
  consistency: consistency.optional(),
  namespaces: namespaceRecord.optional(),
  logger: z
    .custom<Logger>(
      (value) => typeof value === 'object' && value !== null && typeof (value as Logger).warn === 'function',
      'must be a pino logger',
    )
    .optional(),
});

/** Validates cache options and applies every default. */
export function resolveCacheOptions(options: CacheOptions | undefined): ResolvedCacheOptions {
  const o = checkOptions('createCache', cacheOptionsSchema, options);
  const fallback: CacheConsistency = o.consistency ?? 'strict';
  const namespaces = new Map<string, CacheConsistency>();
  for (const [namespace, entry] of Object.entries(o.namespaces ?? {})) {
    namespaces.set(namespace, entry.consistency ?? fallback);
  }
  return {
    redisUrl: o.redisUrl,
    prefix: o.prefix ?? 'keel',
    ttlMs: o.ttlMs ?? 300_000,
    graceMs: o.graceMs ?? 3_600_000,
    graceBackoffMs: o.graceBackoffMs ?? 10_000,
    timeoutMs: o.timeoutMs ?? 0,
    hardTimeoutMs: o.hardTimeoutMs,
    lockTimeoutMs: o.lockTimeoutMs,
    maxItems: o.memory?.maxItems ?? 10_000,
    maxSize: o.memory?.maxSize ?? 64 * 1024 * 1024,
    commandTimeoutMs: o.redis?.commandTimeoutMs ?? 100,
    circuitBreakerDurationMs: o.redis?.circuitBreakerDurationMs ?? 1000,
    recoveryIntervalMs: o.redis?.recoveryIntervalMs ?? 250,
    lockTtlMs: o.redis?.lockTtlMs ?? 10_000,
    lockWaitMs: o.redis?.lockWaitMs ?? 5000,
    ackTimeoutMs: o.redis?.ackTimeoutMs ?? 1000,
    settleTimeoutMs: o.redis?.settleTimeoutMs ?? 10_000,
    warmUpTimeoutMs: o.warmUpTimeoutMs ?? 5000,
    consistency: fallback,
    namespaces,
    logger: o.logger,
  };
}

/** Validates the namespaces given to `addNamespaces`. */
export function checkNamespaceRecord(namespaces: unknown): Record<string, NamespaceOptions> {
  return checkOptions('cache.addNamespaces', namespaceRecord, namespaces ?? null);
}

const entrySchema = strict({
  namespace: name.optional(),
  ttlMs: option.positiveDurationMs().optional(),
  graceMs: option.durationMs().optional(),
  timeoutMs: option.durationMs().optional(),
  hardTimeoutMs: option.positiveDurationMs().optional(),
  tags: tagList.optional(),
});
const keySchema = strict({ namespace: name.optional() });
const namespaceArgument = strict({ namespace: name });
const tagsArgument = strict({ tags: tagList.min(1, 'must list at least one tag') });
const EMPTY: CacheEntryOptions = Object.freeze({});

// The options `{ namespace }` of each namespace the schemas accepted: most calls give only that, and
// one of these (frozen, so later changes to the caller's object are never seen) skips the parse.
const accepted = new Map<string, CacheKeyOptions>();
const ACCEPTED_NAMESPACES = 1024;

/** The accepted `{ namespace }` equal to `options`, when that is all `options` is (a plain object). */
function knownNamespaceOnly(options: object): CacheKeyOptions | undefined {
  if (accepted.size === 0 || Object.getPrototypeOf(options) !== Object.prototype) return undefined;
  for (const key in options) if (key !== 'namespace') return undefined;
  const namespace = (options as CacheKeyOptions).namespace;
  return typeof namespace === 'string' ? accepted.get(namespace) : undefined;
}

function remember<O extends CacheKeyOptions>(checked: O): O {
  const namespace = checked.namespace;
  if (namespace !== undefined && accepted.size < ACCEPTED_NAMESPACES && !accepted.has(namespace)) {
    accepted.set(namespace, Object.freeze({ namespace }));
  }
  return checked;
}

// Entry options Keel itself derived from checked ones and froze (a cached function's fixed options).
const derived = new WeakSet<CacheEntryOptions>();

/** Marks frozen entry options made from checked ones, so calls given them skip the parse. */
export function checkedEntryOptions(options: Readonly<CacheEntryOptions>): CacheEntryOptions {
  const frozen = Object.freeze(options);
  derived.add(frozen);
  return frozen;
}

/**
 * The per-call options of `getOrSet`, `set` and `cached`; none costs nothing (the memory-hit path),
 * nor do `{ namespace }` of a namespace accepted before and a cached function's fixed options; others are parsed on zod's fast path by
 * `checkOptions`, which words only bad ones.
 */
export function checkEntryOptions(what: string, options: CacheEntryOptions | undefined): CacheEntryOptions {
  if (options === undefined) return EMPTY;
  if (typeof options === 'object' && options !== null) {
    const known = knownNamespaceOnly(options) ?? (derived.has(options) ? options : undefined);
    if (known !== undefined) return known;
  }
  return remember(checkOptions(what, entrySchema, options));
}

/** The per-call options of `get` and `delete` (as {@link checkEntryOptions}). */
export function checkKeyOptions(what: string, options: CacheKeyOptions | undefined): CacheKeyOptions {
  if (options === undefined) return EMPTY;
  if (typeof options === 'object' && options !== null) {
    const known = knownNamespaceOnly(options);
    if (known !== undefined) return known;
  }
  return remember(checkOptions(what, keySchema, options));
}

/**
 * Throws a `UsageError` unless `key` is a non-empty string of at most 1024 characters. A plain
 * comparison rather than a schema: it runs on every cache hit.
 */
export function checkKey(what: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new UsageError(`${what}: key must be a non-empty string of at most 1024 characters`);
  }
  return key;
}

/** Throws a `UsageError` unless `value` is a function (a loader: checked on every call, so no schema). */
export function checkFunction<F>(what: string, argument: string, value: F): F {
  if (typeof value !== 'function') throw new UsageError(`${what}: ${argument} must be a function`);
  return value;
}

/** Throws a `UsageError` unless `namespace` is a valid namespace name. */
export function checkNamespace(what: string, namespace: unknown): string {
  return checkOptions(what, namespaceArgument, { namespace }).namespace;
}

/** Throws a `UsageError` unless `tags` is a non-empty list of valid tags. */
export function checkTags(what: string, tags: unknown): string[] {
  return checkOptions(what, tagsArgument, { tags }).tags;
}

const cachedSchema = strict({
  ...entrySchema.shape,
  name: option.name().optional(),
  key: option.fn<(...args: never[]) => string>().optional(),
  tags: z
    .union([tagList, option.fn<(...args: never[]) => readonly string[]>()], 'must be tags or a function')
    .optional(),
}).refine(
  (o) => o.key !== undefined || o.name !== undefined,
  'needs a key function or a name: keys made of the function name and arguments let two functions collide',
);

/** Validates the options of `cache.cached()` and `@cacheable` (at definition time). */
export function checkCachedOptions(what: string, options: unknown): z.output<typeof cachedSchema> {
  return checkOptions(what, cachedSchema, options ?? null);
}

const warmUpSchema = strict({ name, run: option.fn<() => Promise<void>>() });

/** Validates a warm-up's name and function. */
export function checkWarmUp(name: unknown, run: unknown): { name: string; run: () => Promise<void> } {
  return checkOptions('cache.warmUp', warmUpSchema, { name, run });
}
