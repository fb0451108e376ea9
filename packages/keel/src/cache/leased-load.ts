import type { GetSetFactoryContext } from 'bentocache/types';
import { bentoOptions } from './bento-options.js';
import { toCacheError } from './errors.js';
import type { LeaseClaim, LoadLeases } from './load-leases.js';
import type { CacheEntryOptions } from './options.js';
import type { CacheParts } from './setup.js';

/**
 * Computes a value on a miss. It may return `null`, never `undefined` (a `UsageError`).
 *
 * @example
 * ```ts
 * const loadUser: CacheLoader<User | null> = () => db.findUser(id);
 * ```
 */
export type CacheLoader<T> = () => T | Promise<T>;

/**
 * A `getOrSet` through bentocache whose loader runs under the key's cross-instance lease
 * ({@link LoadLeases}). bentocache reads the memory tier synchronously, before its first await:
 * the lease's "opening" marks tell which call's Redis read may claim the lease with the read.
 * `options` undefined passes bentocache one literal shape, which is cheaper on the memory-hit path.
 */
export async function getOrSetLeased<T>(
  parts: CacheParts,
  key: string,
  fullKey: string,
  loader: CacheLoader<T>,
  options: CacheEntryOptions | undefined,
): Promise<T> {
  const factory = (ctx: GetSetFactoryContext) => load(parts, fullKey, loader, ctx);
  // bentocache spreads this object on every call: one literal shape when no option is given is cheaper.
  const call = options === undefined ? { key: fullKey, factory } : { ...bentoOptions(options), key: fullKey, factory };
  const leases = parts.leases;
  leases?.beginOpening(fullKey);
  let pending: Promise<T>;
  let missedMemory = false;
  try {
    pending = parts.root.getOrSet<T>(call);
  } finally {
    missedMemory = leases?.endOpening() ?? false;
  }
  try {
    return await pending;
  } catch (error) {
    throw toCacheError(error, key);
  } finally {
    if (missedMemory) leases?.unwant(fullKey);
  }
}

/**
 * Runs the loader under this key's cross-instance lease, or waits for the instance that holds it and
 * takes its value. The lease ends when bentocache writes the value to Redis.
 */
async function load<T>(
  parts: CacheParts,
  fullKey: string,
  loader: CacheLoader<T>,
  ctx: GetSetFactoryContext,
): Promise<T> {
  const leases = parts.leases;
  if (!leases || parts.outage.degraded) return loader();
  const deadline = Date.now() + parts.options.lockWaitMs;
  for (;;) {
    let claim: LeaseClaim;
    try {
      claim = await leases.claim(fullKey);
    } catch {
      return loader();
    }
    if (claim === 'held') return loadLeased(leases, fullKey, loader);
    let outcome: Awaited<ReturnType<LoadLeases['waitFor']>>;
    try {
      outcome = await leases.waitFor(fullKey, deadline);
    } catch {
      return loader();
    }
    if (outcome === 'timeout') return loader();
    const value = await parts.root.get<T>({ key: fullKey, grace: false });
    if (value !== undefined) {
      // Already in Redis and told to the other instances: only this process's memory needs it.
      ctx.setOptions({ skipL2Write: true, skipBusNotify: true });
      return value;
    }
  }
}

async function loadLeased<T>(leases: LoadLeases, fullKey: string, loader: CacheLoader<T>): Promise<T> {
  let value: T;
  try {
    value = await loader();
  } catch (error) {
    leases.abandon(fullKey);
    throw error;
  }
  // bentocache rejects `undefined` without writing: nothing will end the lease.
  if (value === undefined) leases.abandon(fullKey);
  return value;
}
