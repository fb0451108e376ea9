import type { CachedOptions, KeelCache } from './keel-cache.js';

/**
 * A method decorator (TypeScript 5 standard decorators) caching the method's results like
 * {@link KeelCache.cached}. The cache is given as a function so it can be created after the class.
 *
 * @example
 * ```ts
 * class Users {
 *   @cacheable(() => cache, { namespace: 'users', key: (id: string) => id, ttl: 60_000 })
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
  return (method, context) => {
    const name = String(context.name);
    const resolve = (): KeelCache => (typeof cache === 'function' ? cache() : cache);
    return function (this: This, ...args: A): Promise<R> {
      const key = options.key ? options.key(...args) : `${name}:${JSON.stringify(args)}`;
      const { key: _key, tags, ...entry } = options;
      return resolve().getOrSet(key, () => method.apply(this, args), {
        ...entry,
        ...(tags ? { tags: typeof tags === 'function' ? tags(...args) : tags } : {}),
      });
    };
  };
}
