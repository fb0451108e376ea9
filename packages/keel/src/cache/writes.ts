import type { SetCommonOptions } from 'bentocache/types';
import { bentoOptions } from './bento-options.js';
import type { CacheEntryOptions } from './options.js';
import type { OutageRecovery } from './recovery.js';
import type { CacheParts } from './setup.js';

/**
 * The cache's writes (set, delete, invalidate by tag), each on every tier and every instance's
 * memory, and journaled by the outage recovery when Redis cannot take it.
 */
export class CacheWrites {
  constructor(
    private readonly parts: CacheParts,
    private readonly recovery: OutageRecovery,
  ) {}

  /** Stores `value` under `fullKey` (`key` names it in errors). */
  async set(key: string, fullKey: string, value: unknown, o: CacheEntryOptions): Promise<void> {
    const call = bentoOptions(o) as SetCommonOptions & { key: string; value: unknown };
    call.key = fullKey;
    call.value = value;
    await this.recovery.journaled(
      (journal) => journal.keys.add(fullKey),
      () => this.parts.root.set(call),
      key,
    );
  }

  /** Deletes `fullKey` (`key` names it in errors). */
  async delete(key: string, fullKey: string): Promise<void> {
    const remove = () => this.parts.root.delete({ key: fullKey });
    await this.recovery.journaled((journal) => journal.keys.add(fullKey), remove, key);
  }

  /** Invalidates every entry carrying one of `tags`. */
  async deleteByTag(tags: readonly string[]): Promise<void> {
    const record = (journal: { tags: Set<string> }) => {
      for (const tag of tags) journal.tags.add(tag);
    };
    // One tag at a time would wait for every instance's ack once per tag: invalidate them all at once.
    const invalidate = () => Promise.all([...new Set(tags)].map((tag) => this.parts.root.deleteByTag({ tags: [tag] })));
    await this.recovery.journaled(record, invalidate, tags.join(','));
  }
}
