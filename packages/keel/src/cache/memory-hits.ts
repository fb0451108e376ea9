import type { LruView } from './memory-view.js';
import type { NamespaceKeys } from './namespace-generations.js';

/** bentocache's serialized entry, as both tiers hold it (its JSON serializer, `serializeL1` on). */
export interface StoredEntry {
  value: unknown;
  createdAt: number;
  /** From this time (`Date.now()` ms) on, bentocache counts the entry as expired (graced). */
  logicalExpiration: number;
  /** Only present when the entry has tags. */
  tags?: unknown;
}

/** A fast read found nothing in memory under the key. */
export const ABSENT: unique symbol = Symbol('keel.cache.absent');
/** A fast read found an entry that is not a plain fresh hit (expired, invalidated by a tag, unreadable). */
export const NOT_FRESH: unique symbol = Symbol('keel.cache.notFresh');

// bentocache's tag keys (`TagSystem`): each holds the time of the tag's last invalidation.
const TAG_KEY = '___bc:t:';
// Keys remembered per namespace generation, and the largest entry decoded once: a bounded memo, not a second tier.
const HOT_KEYS = 1024;
const HOT_MAX_CHARS = 4096;

/** What a hit remembers of a key: its LRU key, the string the LRU held, and (read twice) its entry decoded. */
export interface HotKey {
  readonly memoryKey: string;
  raw: string;
  entry: StoredEntry | undefined;
}

/**
 * The memory tier answered before any asynchronous work: bentocache's memory driver is a
 * synchronous LRU of serialized entries, read here exactly as bentocache reads it. A hot entry is
 * decoded once per write (valid while the LRU holds that same string) and each hit gets its own
 * copy of the value, as a parse would give, for a fraction of a parse's cost. Anything else
 * (absent, expired, invalidated by a tag, a tag whose state memory does not hold) is left to
 * bentocache's full path. Whatever keeps memory right
 * (writes, deletes and invalidations from any instance, generations in keys) acts on this same LRU.
 *
 * @example
 * ```ts
 * const hits = new MemoryHits(lruOf(driver), 'planner');
 * const value = hits.read(generations.keysOf('users'), '42'); // ABSENT, NOT_FRESH or the value
 * ```
 */
export class MemoryHits {
  private readonly tagKeyPrefix: string;
  private readonly getOptions: { status?: unknown } = {};

  constructor(
    private readonly lru: LruView,
    prefix: string,
  ) {
    this.tagKeyPrefix = `${prefix}:${TAG_KEY}`;
  }

  /** The value of `key` in the namespace generation `keys`, or `ABSENT` / `NOT_FRESH`. */
  read(keys: NamespaceKeys, key: string): unknown {
    const hot = keys.hot.get(key);
    const memoryKey = hot === undefined ? keys.memory + key : hot.memoryKey;
    // lru-cache makes an options object per get unless given one; it writes only `status` to it.
    const raw = this.lru.get(memoryKey, this.getOptions);
    this.getOptions.status = undefined;
    if (raw === undefined) return ABSENT;
    // The same string the entry was decoded from: the LRU's copy has not changed since.
    if (hot?.entry !== undefined && hot.raw === raw) {
      return this.isFresh(hot.entry) ? copyOf(hot.entry.value) : NOT_FRESH;
    }
    const entry = parse(raw);
    if (entry === undefined) return NOT_FRESH;
    if (raw.length > HOT_MAX_CHARS) return this.isFresh(entry) ? entry.value : NOT_FRESH;
    if (hot === undefined) {
      // First seen: only its LRU key is kept; the entry is kept from the second hit on the same string.
      if (keys.hot.size >= HOT_KEYS) keys.hot.delete(keys.hot.keys().next().value as string);
      keys.hot.set(key, { memoryKey, raw, entry: undefined });
      return this.isFresh(entry) ? entry.value : NOT_FRESH;
    }
    const again = hot.raw === raw;
    hot.raw = raw;
    hot.entry = again ? entry : undefined;
    if (!this.isFresh(entry)) return NOT_FRESH;
    return again ? copyOf(entry.value) : entry.value;
  }

  /** The value of a serialized entry (from either tier) when it is a plain fresh hit, else `NOT_FRESH`. */
  freshValue(raw: unknown): unknown {
    const entry = parse(raw);
    return entry !== undefined && this.isFresh(entry) ? entry.value : NOT_FRESH;
  }

  // bentocache's test: not logically expired, and not invalidated by one of its tags.
  private isFresh(entry: StoredEntry): boolean {
    if (!(Date.now() < entry.logicalExpiration)) return false;
    return entry.tags === undefined || this.tagsAllow(entry);
  }

  // As bentocache's tag check: each tag's entry answered fresh from memory, none invalidated since the entry's write.
  private tagsAllow(entry: StoredEntry): boolean {
    const tags = entry.tags;
    if (!Array.isArray(tags)) return false;
    for (const tag of tags) {
      const tagEntry = parse(this.lru.get(this.tagKeyPrefix + String(tag)));
      if (tagEntry === undefined || !(Date.now() < tagEntry.logicalExpiration) || tagEntry.tags !== undefined) {
        return false;
      }
      if (typeof tagEntry.value !== 'number' || entry.createdAt <= tagEntry.value) return false;
    }
    return true;
  }
}

/**
 * A copy of decoded JSON (plain objects, arrays, primitives), as `JSON.parse` would make it again:
 * a hit never shares objects with the memo or with another hit.
 */
function copyOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const length = value.length;
    const copy: unknown[] = new Array(length);
    for (let index = 0; index < length; index += 1) copy[index] = copyOf(value[index]);
    return copy;
  }
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    // Assigning `__proto__` would set the prototype rather than add the key JSON.parse adds.
    if (key === '__proto__') return JSON.parse(JSON.stringify(source));
    copy[key] = copyOf(source[key]);
  }
  return copy;
}

function parse(raw: unknown): StoredEntry | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const entry: unknown = JSON.parse(raw);
    return typeof entry === 'object' && entry !== null ? (entry as StoredEntry) : undefined;
  } catch {
    return undefined;
  }
}
