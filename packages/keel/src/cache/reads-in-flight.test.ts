import { memoryDriver } from 'bentocache/drivers/memory';
import type { L1CacheDriver } from 'bentocache/types';
import { describe, expect, it } from 'vitest';
import { memoryTier } from './memory-tier.js';
import { ReadsInFlight } from './reads-in-flight.js';

/** The memory tier as bentocache gets it, reporting changes to `reads`. */
function tierReporting(reads: ReadsInFlight): L1CacheDriver {
  const created = memoryTier(memoryDriver({ maxItems: 100 }), () => undefined, undefined, reads);
  return created.factory({ prefix: 'p' });
}

describe('ReadsInFlight', () => {
  it('marks a read outdated by any change of its key in memory, and only of its key', () => {
    const changes: [string, (tier: L1CacheDriver) => unknown, boolean][] = [
      ['set', (tier) => tier.set('k', '{}'), false],
      ['delete', (tier) => tier.delete('k'), false],
      ['deleteMany', (tier) => tier.deleteMany(['x', 'k']), false],
      ['pull', (tier) => tier.pull('k'), false],
      ['clear', (tier) => tier.clear(), true],
    ];
    for (const [name, change, everyKey] of changes) {
      const reads = new ReadsInFlight();
      const tier = tierReporting(reads);
      const read = reads.begin('k');
      const other = reads.begin('other');
      tier.set('unrelated', '{}');
      expect(read.changed).toBe(false);
      change(tier);
      expect(read.changed, name).toBe(true);
      expect(other.changed, name).toBe(everyKey);
      reads.end('k', read);
      reads.end('other', other);
    }
  });

  it('hands a read to the next bentocache read of its key once, and never after a change', () => {
    const reads = new ReadsInFlight();
    const read = reads.begin('k');
    read.left = { value: 'entry' };
    expect(reads.take('other')).toBeUndefined();
    expect(reads.take('k')).toEqual({ value: 'entry' });
    expect(reads.take('k'), 'taken once').toBeUndefined();
    read.left = { value: undefined };
    reads.changed('k');
    expect(reads.take('k'), 'a change drops what was left').toBeUndefined();
    reads.end('k', read);
  });

  it('shares one record between concurrent reads of a key and forgets it when the last ends', () => {
    const reads = new ReadsInFlight();
    const first = reads.begin('k');
    const second = reads.begin('k');
    expect(second).toBe(first);
    reads.end('k', first);
    second.left = { value: 'x' };
    expect(reads.take('k')).toEqual({ value: 'x' });
    reads.end('k', second);
    // A read begun after a change gets a new record, not the outdated one.
    const outdated = reads.begin('k');
    reads.changed('k');
    const fresh = reads.begin('k');
    expect(fresh).not.toBe(outdated);
    expect(fresh.changed).toBe(false);
    reads.end('k', outdated);
    fresh.left = { value: 'y' };
    expect(reads.take('k'), 'the outdated read ending leaves the new one in place').toEqual({ value: 'y' });
    reads.end('k', fresh);
  });
});
