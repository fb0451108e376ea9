import type { MemoryDriver } from 'bentocache/drivers/memory';

/** The parts of bentocache's LRU (lru-cache) Keel reads: the stats, and the memory hits. */
export interface LruView {
  keys(): IterableIterator<string>;
  /** What bentocache's memory driver answers for a key with its prefix (recency and ttl applied). */
  get(key: string, options?: { status?: unknown }): string | undefined;
  peek(key: string): string | undefined;
  delete(key: string): boolean;
}

/**
 * The LRU of bentocache's memory driver. The driver shares it with the drivers it derives
 * (`namespace()` passes it as `cacheInstance`), which is how we reach it.
 */
export function lruOf(driver: MemoryDriver): LruView {
  const derived = driver.namespace('__keel_view').config as { cacheInstance?: LruView };
  if (!derived.cacheInstance) throw new Error('bentocache memory driver did not expose its LRU');
  return derived.cacheInstance;
}

/** Read access to the memory tier's entries, by key prefix ({@link lruOf}). */
export class MemoryTierView {
  private readonly lru: LruView;

  constructor(
    private readonly driver: MemoryDriver,
    private readonly prefix: string,
    private readonly onClear: () => void = () => undefined,
  ) {
    this.lru = lruOf(driver);
  }

  /** Entries and serialized bytes per namespace (keys look like `<prefix>:<namespace>:<generation>:<key>`). */
  usage(): Map<string, { entries: number; bytes: number }> {
    const usage = new Map<string, { entries: number; bytes: number }>();
    const start = this.prefix.length + 1;
    for (const key of this.lru.keys()) {
      const end = key.indexOf(':', start);
      if (end < 0 || key.startsWith('___bc:', start)) continue;
      const namespace = key.slice(start, end);
      const entry = usage.get(namespace) ?? { entries: 0, bytes: 0 };
      entry.entries += 1;
      entry.bytes += Buffer.byteLength(key) + Buffer.byteLength(this.lru.peek(key) ?? '');
      usage.set(namespace, entry);
    }
    return usage;
  }

  /** Drops every entry of a namespace whose key prefix (`<namespace>:<generation>:`) is no longer current. */
  dropStale(namespace: string, currentKeyPrefix: string): void {
    const head = `${this.prefix}:${namespace}:`;
    const keep = `${this.prefix}:${currentKeyPrefix}`;
    for (const key of [...this.lru.keys()]) {
      if (key.startsWith(head) && !key.startsWith(keep)) this.lru.delete(key);
    }
  }

  /** Empties the memory tier of this cache. */
  clear(): void {
    this.driver.clear();
    this.onClear();
  }
}
