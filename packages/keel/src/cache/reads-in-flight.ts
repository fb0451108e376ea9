/** The Redis reads of one key in flight, made by Keel before (or instead of) bentocache's own. */
export interface KeyReads {
  /** True once the memory tier's copy of the key changed since the reads began: what they read may be outdated. */
  changed: boolean;
  /** How many reads share this record. */
  readers: number;
  /** A read handed to bentocache: its next Redis-tier read of the key answers this instead of asking Redis again. */
  left: { value: string | undefined } | undefined;
}

/**
 * Keel's own Redis-tier reads in flight, by key. The memory tier reports every change of a key
 * (a write, a delete, another instance's invalidation arriving over the bus), which marks the reads
 * of that key outdated: their value is then neither put in memory nor handed to bentocache. A read
 * that is not a plain fresh hit is handed to bentocache (`left`), so a miss costs one Redis read, not two.
 *
 * @example
 * ```ts
 * const reads = new ReadsInFlight();
 * const read = reads.begin('users:0:42');
 * // ... await the Redis read; meanwhile the memory tier calls reads.changed('users:0:42') on a delete
 * if (!read.changed) memory.set('users:0:42', raw, ttlMs);
 * reads.end('users:0:42', read);
 * ```
 */
export class ReadsInFlight {
  private readonly byKey = new Map<string, KeyReads>();

  /** A read of `key` starts. */
  begin(key: string): KeyReads {
    let reads = this.byKey.get(key);
    if (reads === undefined) {
      reads = { changed: false, readers: 0, left: undefined };
      this.byKey.set(key, reads);
    }
    reads.readers += 1;
    return reads;
  }

  /** A read of `key` is over (its bentocache call, if any, too). */
  end(key: string, reads: KeyReads): void {
    reads.readers -= 1;
    if (reads.readers === 0 && this.byKey.get(key) === reads) this.byKey.delete(key);
  }

  /** The memory tier's copy of `key` changed: its reads in flight are outdated. */
  changed(key: string): void {
    if (this.byKey.size === 0) return;
    const reads = this.byKey.get(key);
    if (reads === undefined) return;
    reads.changed = true;
    reads.left = undefined;
    this.byKey.delete(key);
  }

  /** The memory tier was emptied: every read in flight is outdated. */
  changedAll(): void {
    for (const reads of this.byKey.values()) {
      reads.changed = true;
      reads.left = undefined;
    }
    this.byKey.clear();
  }

  /** bentocache's Redis-tier read of `key`: the read left for it, once, or `undefined` to ask Redis. */
  take(key: string): { value: string | undefined } | undefined {
    if (this.byKey.size === 0) return undefined;
    const reads = this.byKey.get(key);
    if (reads?.left === undefined) return undefined;
    const left = reads.left;
    reads.left = undefined;
    return left;
  }
}
