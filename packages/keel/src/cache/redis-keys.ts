/** Where a cache entry lives in Redis: the layout bentocache's own Redis driver uses, `<prefix>:<key>`. */
export function valueKeyOf(prefix: string, key: string): string {
  return `${prefix}:${key}`;
}

/** The lock beside a value that is still served (expired within grace, or invalidated by tag) while it reloads. */
export function lockKeyOf(prefix: string, key: string): string {
  return `${prefix}:__keel:lock:${key}`;
}

/**
 * Start of the value that stands in a key while one instance loads it. bentocache's serialized
 * entries are JSON objects, so they start with `{` and can never be taken for one.
 */
export const LOADING_MARK = 'keel:loading:';

/** True when `value` is a load lease's stand-in rather than an entry. */
export function isLoadingMark(value: string): boolean {
  return value.startsWith(LOADING_MARK);
}

/** A Redis reply as a cache entry: `undefined` for nothing and for a stand-in. */
export function entryOrUndefined(value: string | null): string | undefined {
  return value === null || isLoadingMark(value) ? undefined : value;
}
