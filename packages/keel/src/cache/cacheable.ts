import { type CachedOptions, cachedCalls, claimCachedName } from './cached.js';
import type { KeelCache } from './keel-cache.js';

/**
 * A method decorator (TypeScript 5 standard decorators) caching the method's results like
 * {@link KeelCache.cached}. The cache is given as a function so it can be created after the class.
 * A `key` function or a `name` is required, checked when the class is defined: the method's name
 * alone would let `Users.find` and `Teams.find` share keys. A `name` is claimed in the cache on the
 * first call (a second method with that name then throws a `UsageError`).
 *
 * @example
 * ```ts
 * class Users {
 *   @cacheable(() => cache, { namespace: 'users', name: 'users.find', ttlMs: 60_000 })
 *   async find(id: string): Promise<User | null> { return db.findUser(id); }
 * }
 * ```
 */
export function cacheable<This, A extends unknown[], R>(
  cache: KeelCache | (() => KeelCache),
  options: CachedOptions<A>,
): (
  method: (this: This, ...args: A) => Promise<R>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>>,
) => (this: This, ...args: A) => Promise<R> {
  const calls = cachedCalls('@cacheable', options);
  return (method) => {
    let resolved: KeelCache | undefined;
    const resolve = (): KeelCache => {
      if (!resolved) {
        const target = typeof cache === 'function' ? cache() : cache;
        claimCachedName('@cacheable', target, calls.name);
        resolved = target;
      }
      return resolved;
    };
    return async function (this: This, ...args: A): Promise<R> {
      return resolve().getOrSet(calls.keyOf(...args), () => method.apply(this, args), calls.entryOf(...args));
    };
  };
}
