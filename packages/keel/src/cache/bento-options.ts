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
