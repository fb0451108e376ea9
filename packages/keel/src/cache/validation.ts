import { z } from 'zod';
import { ConfigError, ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { CacheConsistency, CacheEntryOptions, CacheOptions, ResolvedCacheOptions } from './options.js';

const duration = z.number().finite().nonnegative();
const positive = z.number().finite().positive();
// Namespaces and tags go inside keys and channel payloads: no separators, no whitespace.
const name = z
  .string()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[A-Za-z0-9_.\-/]+$/, 'may only hold letters, digits and _ . - /');

const cacheOptionsSchema = z.object({
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  prefix: name.optional(),
  ttl: positive.optional(),
  grace: duration.optional(),
  graceBackoff: duration.optional(),
  timeout: duration.optional(),
  hardTimeout: positive.optional(),
  lockTimeout: positive.optional(),
  memory: z.object({ maxItems: z.number().int().positive().optional(), maxSize: positive.optional() }).optional(),
  redis: z
    .object({
      commandTimeout: positive.optional(),
      circuitBreakerDuration: positive.optional(),
      recoveryInterval: positive.optional(),
      lockTtl: positive.optional(),
      lockWait: duration.optional(),
      ackTimeout: positive.optional(),
      settleTimeout: positive.optional(),
    })
    .optional(),
  warmUpTimeout: duration.optional(),
});

function check<T>(schema: z.ZodType<T>, value: unknown, location: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, location));
  return parsed.data;
}

const CONSISTENCIES: readonly unknown[] = ['strict', 'eventual'] satisfies CacheConsistency[];

/**
 * The consistency of each listed namespace. A bad value is a mistake in the service's code, not in a
 * request: it throws a `ConfigError` (500), listing every problem.
 */
function resolveConsistency(
  consistency: unknown,
  namespaces: unknown,
): { consistency: CacheConsistency; namespaces: Map<string, CacheConsistency> } {
  const problems: string[] = [];
  const byNamespace = new Map<string, CacheConsistency>();
  const mode = (value: unknown, path: string): CacheConsistency | undefined => {
    if (value === undefined || CONSISTENCIES.includes(value)) return value as CacheConsistency | undefined;
    problems.push(
      `cache option ${path}: must be 'strict' or 'eventual', got ${JSON.stringify(value) ?? String(value)}`,
    );
    return undefined;
  };
  const fallback = mode(consistency, 'consistency') ?? 'strict';
  if (
    namespaces !== undefined &&
    (typeof namespaces !== 'object' || namespaces === null || Array.isArray(namespaces))
  ) {
    problems.push('cache option namespaces: must be an object of namespace options');
  } else if (namespaces !== undefined) {
    for (const [namespace, entry] of Object.entries(namespaces)) {
      if (!NAME.test(namespace)) problems.push(`cache option namespaces.${namespace}: not a valid namespace name`);
      if (typeof entry !== 'object' || entry === null) {
        problems.push(`cache option namespaces.${namespace}: must be an object`);
        continue;
      }
      byNamespace.set(
        namespace,
        mode((entry as { consistency?: unknown }).consistency, `namespaces.${namespace}.consistency`) ?? fallback,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { consistency: fallback, namespaces: byNamespace };
}

/** Validates cache options and applies every default. */
export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  const { logger, consistency, namespaces, ...rest } = options;
  const modes = resolveConsistency(consistency, namespaces);
  const o = check(cacheOptionsSchema, rest, 'options');
  return {
    redisUrl: o.redisUrl,
    prefix: o.prefix ?? 'keel',
    ttl: o.ttl ?? 300_000,
    grace: o.grace ?? 3_600_000,
    graceBackoff: o.graceBackoff ?? 10_000,
    timeout: o.timeout ?? 0,
    hardTimeout: o.hardTimeout,
    lockTimeout: o.lockTimeout,
    maxItems: o.memory?.maxItems ?? 10_000,
    maxSize: o.memory?.maxSize ?? 64 * 1024 * 1024,
    commandTimeout: o.redis?.commandTimeout ?? 100,
    circuitBreakerDuration: o.redis?.circuitBreakerDuration ?? 1000,
    recoveryInterval: o.redis?.recoveryInterval ?? 250,
    lockTtl: o.redis?.lockTtl ?? 10_000,
    lockWait: o.redis?.lockWait ?? 5000,
    ackTimeout: o.redis?.ackTimeout ?? 1000,
    settleTimeout: o.redis?.settleTimeout ?? 10_000,
    warmUpTimeout: o.warmUpTimeout ?? 5000,
    consistency: modes.consistency,
    namespaces: modes.namespaces,
    logger,
  };
}

// The per-call checks below run on every cache hit, so they are plain comparisons rather than zod.
const NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;

function invalid(location: string, path: string, message: string): ValidationError {
  return new ValidationError([{ location, path, message }]);
}

/** Throws a `ValidationError` unless `key` is a non-empty string of at most 1024 characters. */
export function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw invalid('key', '', 'must be a non-empty string of at most 1024 characters');
  }
  return key;
}

/** Throws a `ValidationError` unless `namespace` is a valid namespace name. */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== 'string' || !NAME.test(namespace)) {
    throw invalid('namespace', '', 'must be 1 to 128 letters, digits or _ . - /');
  }
  return namespace;
}

/** Throws a `ValidationError` unless `tags` is a non-empty list of valid names. */
export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.length === 0) throw invalid('tags', '', 'must list at least one tag');
  tags.forEach((tag, i) => {
    if (typeof tag !== 'string' || !NAME.test(tag)) {
      throw invalid('tags', String(i), 'must be 1 to 128 letters, digits or _ . - /');
    }
  });
  return tags as string[];
}

function checkDuration(value: unknown, path: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalid('options', path, allowZero ? 'must be a number >= 0 (ms)' : 'must be a number > 0 (ms)');
  }
}

/** Throws a `ValidationError` unless the per-call options are valid. */
export function checkEntryOptions(options: CacheEntryOptions | undefined): CacheEntryOptions {
  if (options === undefined) return EMPTY;
  if (typeof options !== 'object' || options === null) throw invalid('options', '', 'must be an object');
  if (options.namespace !== undefined) checkNamespace(options.namespace);
  checkDuration(options.ttl, 'ttl', false);
  checkDuration(options.grace, 'grace', true);
  checkDuration(options.timeout, 'timeout', true);
  checkDuration(options.hardTimeout, 'hardTimeout', false);
  if (options.tags !== undefined && options.tags.length > 0) checkTags(options.tags);
  return options;
}

const EMPTY: CacheEntryOptions = Object.freeze({});
