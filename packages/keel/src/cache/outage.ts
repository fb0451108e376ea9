import { AsyncLocalStorage } from 'node:async_hooks';

/** What was written or invalidated while Redis could not be reached, replayed once it is back. */
export interface OutageJournal {
  keys: Set<string>;
  tags: Set<string>;
  namespaces: Set<string>;
}

/**
 * Whether the Redis tier can be trusted. From the first failure until the recovery has replayed the
 * journal, the Redis tier is bypassed (reads go to memory or the loader) and every write or
 * invalidation is journaled so it can be replayed to Redis and the other instances.
 */
export class RedisOutage {
  /** True while Redis is down or not yet recovered. */
  degraded: boolean;
  /**
   * False from an outage's start until this instance and every other one have recovered: until then
   * another instance may write without telling this one, so a strict namespace is not served from cache.
   */
  settled: boolean;
  /** Bumped on each new outage, so an operation can tell whether one began while it ran. */
  episode = 0;
  /** When the Redis tier last threw into bentocache (which then opens its circuit breaker). */
  lastThrowAt = 0;
  /** When the current outage began, in `Date.now()` ms. */
  since: number | undefined;
  journal: OutageJournal = emptyJournal();
  private readonly recovering = new AsyncLocalStorage<true>();
  private replays = 0;
  private readonly onDown: (reason: string) => void;

  constructor(startDegraded: boolean, onDown: (reason: string) => void) {
    this.degraded = startDegraded;
    this.settled = !startDegraded;
    this.since = startDegraded ? Date.now() : undefined;
    this.onDown = onDown;
  }

  /** True when a Redis-tier operation must be skipped (degraded, outside the recovery's own replay). */
  bypass(): boolean {
    return this.degraded && this.recovering.getStore() === undefined;
  }

  /** Records a failure; `thrown` when bentocache saw it (its circuit breaker is now open). */
  markDown(reason: string, thrown: boolean): void {
    if (thrown) this.lastThrowAt = Date.now();
    if (this.degraded && this.recovering.getStore() === undefined) return;
    if (!this.degraded) {
      this.degraded = true;
      this.settled = false;
      this.since = Date.now();
      this.episode += 1;
      this.onDown(reason);
    }
  }

  /** Runs the recovery's replay: its Redis-tier operations go through even though the cache is degraded. */
  async replaying<T>(work: () => Promise<T>): Promise<T> {
    this.replays += 1;
    try {
      return await this.recovering.run(true, work);
    } finally {
      this.replays -= 1;
      // On Node 20 a live AsyncLocalStorage hooks every promise of the process: only keep it on while replaying.
      if (this.replays === 0) this.recovering.disable();
    }
  }

  /** Takes the journal, leaving an empty one for writes made during the replay. */
  takeJournal(): OutageJournal {
    const taken = this.journal;
    this.journal = emptyJournal();
    return taken;
  }

  /** Puts back a journal whose replay failed. */
  restoreJournal(journal: OutageJournal): void {
    for (const key of journal.keys) this.journal.keys.add(key);
    for (const tag of journal.tags) this.journal.tags.add(tag);
    for (const namespace of journal.namespaces) this.journal.namespaces.add(namespace);
  }

  /** Marks Redis healthy again (the instances still have to settle, see {@link settled}). */
  markUp(): void {
    this.degraded = false;
    this.since = undefined;
  }

  /** Marks every instance recovered, unless a new outage began since `episode`. */
  markSettled(episode: number): void {
    if (!this.degraded && this.episode === episode) this.settled = true;
  }
}

function emptyJournal(): OutageJournal {
  return { keys: new Set(), tags: new Set(), namespaces: new Set() };
}

/** True when the journal holds nothing to replay. */
export function isJournalEmpty(journal: OutageJournal): boolean {
  return journal.keys.size === 0 && journal.tags.size === 0 && journal.namespaces.size === 0;
}
