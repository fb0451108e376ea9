import type { BentoCache, BentoStore } from 'bentocache';

/** Counters of one namespace. */
export interface NamespaceCounters {
  hits: number;
  misses: number;
  /** Hits answered by the memory tier. */
  memoryHits: number;
  /** Hits answered by the Redis tier. */
  redisHits: number;
  /** Hits that served an expired (graced) value. */
  gracedHits: number;
}

// bentocache's own tag keys (`___bc:t:<tag>`) are bookkeeping, not the user's reads.
const TAG_KEY = '___bc:';
const COLON = 58;

/** Counts hits and misses per namespace from bentocache's events (keys look like `<namespace>:<gen>:<key>`). */
export class CacheCounters {
  readonly byNamespace = new Map<string, NamespaceCounters>();

  /** Starts counting the events of `bento`. */
  attach(bento: BentoCache<Record<string, BentoStore>>): void {
    bento.on('cache:hit', ({ key, layer, graced }) => {
      const counters = this.countersOf(key);
      if (!counters) return;
      counters.hits += 1;
      if (layer === 'l2') counters.redisHits += 1;
      else counters.memoryHits += 1;
      if (graced) counters.gracedHits += 1;
    });
    bento.on('cache:miss', ({ key }) => {
      const counters = this.countersOf(key);
      if (counters) counters.misses += 1;
    });
  }

  /** Counts a plain fresh hit answered without bentocache (its events are not emitted then). */
  countHit(namespace: string, fromRedis: boolean): void {
    let counters = this.byNamespace.get(namespace);
    if (counters === undefined) {
      counters = this.countersOf(`${namespace}:`);
      if (counters === undefined) return;
    }
    counters.hits += 1;
    if (fromRedis) counters.redisHits += 1;
    else counters.memoryHits += 1;
  }

  /** Counts a read that went to its loader without bentocache (a strict namespace during an outage). */
  countMiss(namespace: string): void {
    const counters = this.countersOf(`${namespace}:`);
    if (counters) counters.misses += 1;
  }

  // The namespace counted last: a run of hits in one namespace is counted without cutting a string out of each key.
  private lastNamespace = '';
  private lastCounters: NamespaceCounters | undefined;

  private countersOf(key: string): NamespaceCounters | undefined {
    const last = this.lastNamespace;
    if (this.lastCounters && key.startsWith(last) && key.charCodeAt(last.length) === COLON) return this.lastCounters;
    if (key.startsWith(TAG_KEY)) return undefined;
    const end = key.indexOf(':');
    if (end < 0) return undefined;
    const namespace = key.slice(0, end);
    let counters = this.byNamespace.get(namespace);
    if (!counters) {
      counters = { hits: 0, misses: 0, memoryHits: 0, redisHits: 0, gracedHits: 0 };
      this.byNamespace.set(namespace, counters);
    }
    this.lastNamespace = namespace;
    this.lastCounters = counters;
    return counters;
  }
}
