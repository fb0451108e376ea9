import type { SetCommonOptions } from 'bentocache/types';
import type { CacheEntryOptions } from './options.js';

/**
 * bentocache's per-call options from Keel's: only those the caller set, since an explicit
 * `undefined` would override bentocache's defaults.
 */
export function bentoOptions(o: CacheEntryOptions): SetCommonOptions {
  const call: SetCommonOptions = {};
  if (o.ttlMs !== undefined) call.ttl = o.ttlMs;
  if (o.graceMs !== undefined) call.grace = o.graceMs > 0 ? o.graceMs : false;
  if (o.timeoutMs !== undefined) call.timeout = o.timeoutMs;
  if (o.hardTimeoutMs !== undefined) call.hardTimeout = o.hardTimeoutMs;
  if (o.tags !== undefined && o.tags.length > 0) call.tags = [...o.tags];
  return call;
}

/**
 * How long bentocache keeps an entry it copies from Redis into memory under these options: its
 * physical ttl, the grace period when grace is on, else the ttl.
 */
export function memoryTtlMs(o: CacheEntryOptions, defaults: { ttlMs: number; graceMs: number }): number {
  const graceMs = o.graceMs ?? defaults.graceMs;
  return graceMs > 0 ? graceMs : (o.ttlMs ?? defaults.ttlMs);
}
