import { UsageError } from '../errors/index.js';
import { bentoOptions } from './bento-options.js';
import { loadTimeoutError, toCacheError, undefinedValueError } from './errors.js';
import type { FreshLoads } from './fresh-loads.js';
import type { CacheEntryOptions } from './options.js';
import type { CacheParts } from './setup.js';

/**
 * A strict namespace while another instance may write without telling this one: the loader's value,
 * not cached, and only shared with calls made before its load began ({@link FreshLoads}). When the
 * loader fails, the cache's copy is the fallback (as in any outage).
 */
export async function getOrSetUncached<T>(
  parts: CacheParts,
  freshLoads: FreshLoads,
  key: string,
  fullKey: string,
  loader: () => T | Promise<T>,
  o: CacheEntryOptions,
  namespace: string,
): Promise<T> {
  parts.counters.countMiss(namespace);
  try {
    const hardTimeoutMs = o.hardTimeoutMs ?? parts.options.hardTimeoutMs;
    return await freshLoads.load(fullKey, () => loadUncached(key, loader, hardTimeoutMs));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const fail = () => {
      throw error;
    };
    try {
      // A factory that only throws: bentocache serves what it holds (within grace), or this error.
      return await parts.root.getOrSet<T>({ ...bentoOptions(o), key: fullKey, factory: fail });
    } catch (fallbackError) {
      throw toCacheError(fallbackError, key);
    }
  }
}

/**
 * Runs a loader outside the cache: nothing is read from or written to a tier. The hard timeout and
 * the `undefined` check still apply, as on the cached path.
 */
export async function loadUncached<T>(
  key: string,
  loader: () => T | Promise<T>,
  hardTimeoutMs: number | undefined,
): Promise<T> {
  let value: T;
  if (hardTimeoutMs === undefined) {
    value = await loader();
  } else {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(loadTimeoutError(key)), hardTimeoutMs);
    });
    try {
      value = await Promise.race([Promise.resolve().then(loader), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  if (value === undefined) throw undefinedValueError(key);
  return value;
}
