import { UsageError } from '../errors/index.js';
import type { CacheEntryOptions } from './options.js';
import { checkCachedOptions, checkedEntryOptions } from './validation.js';

/**
 * Options of `cache.cached()` and `@cacheable`: a `key` function, a `name`, or both, plus the entry
 * options. Without either, two functions (two inline arrows, or `Users.find` and `Teams.find`)
 * would share keys: that is refused.
 *
 * @example
 * ```ts
 * const byId: CachedOptions<[string]> = { namespace: 'users', name: 'user-by-id', ttlMs: 60_000 };
 * const findUser = cache.cached((id: string) => users.find(id), byId); // keys `user-by-id:["42"]`
 * ```
 */
export type CachedOptions<A extends unknown[]> = CachedEntryOptions<A> &
  (
    | {
        /** The key of one call's result; with a `name`, the key is `<name>:<key(...args)>`. */
        key: (...args: A) => string;
        /** Unique among this cache's cached functions; prefixes every key. */
        name?: string;
      }
    | {
        key?: (...args: A) => string;
        /** Unique among this cache's cached functions: keys are `<name>:<JSON of the arguments>`. */
        name: string;
      }
  );

/** The entry options of a cached function. */
interface CachedEntryOptions<A extends unknown[]> extends Omit<CacheEntryOptions, 'tags'> {
  /** Tags of one call's result, fixed or computed from the arguments. Default: none. */
  tags?: readonly string[] | ((...args: A) => readonly string[]);
}

/** How one cached function keys and tags its calls. */
export interface CachedCalls<A extends unknown[]> {
  /** A `name` to claim in the cache (unique among its cached functions), when one was given. */
  name: string | undefined;
  keyOf: (...args: A) => string;
  entryOf: (...args: A) => CacheEntryOptions;
}

/** Checks a cached function's options (at definition time) and derives its keys and entry options. */
export function cachedCalls<A extends unknown[]>(what: string, options: CachedOptions<A>): CachedCalls<A> {
  const { key, name, tags, ...entry } = checkCachedOptions(what, options) as CachedOptions<A>;
  let keyOf: (...args: A) => string;
  if (key && name !== undefined) keyOf = (...args) => `${name}:${key(...args)}`;
  else if (key) keyOf = key;
  else keyOf = (...args) => `${name}:${JSON.stringify(args)}`;
  // Checked here once: each call passes this very object, which then skips the parse.
  const fixed = checkedEntryOptions({ ...entry, ...(Array.isArray(tags) ? { tags: Object.freeze([...tags]) } : {}) });
  const entryOf =
    typeof tags === 'function' ? (...args: A): CacheEntryOptions => ({ ...entry, tags: tags(...args) }) : () => fixed;
  return { name, keyOf, entryOf };
}

// The names of each cache's cached functions: one name, one function.
const claimed = new WeakMap<object, Set<string>>();

/** Claims `name` among `cache`'s cached functions; a second function with that name is a `UsageError`. */
export function claimCachedName(what: string, cache: object, name: string | undefined): void {
  if (name === undefined) return;
  let names = claimed.get(cache);
  if (!names) {
    names = new Set();
    claimed.set(cache, names);
  }
  if (names.has(name)) {
    throw new UsageError(`${what}: the name "${name}" is already used by another cached function of this cache`);
  }
  names.add(name);
}
