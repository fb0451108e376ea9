import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { entryOrUndefined, isLoadingMark, LOADING_MARK, lockKeyOf, valueKeyOf } from './redis-keys.js';

// Below this share of misses among recent reads, a read does not claim (see `recentMissRate`).
const CLAIM_ON_READ_ABOVE = 0.125;

// Deletes a lease's stand-in or lock only while it is still this lease's (it may have expired and been retaken).
const DELETE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** A lease this process holds: the right to run the loader of one key for every instance. */
interface Lease {
  /** True when the lease is a stand-in in the value key itself; false for a lock key beside a stale value. */
  inValueKey: boolean;
  /** True once a loader runs under it (a lease taken by a read alone is given back when no loader follows). */
  loading: boolean;
}

/** What `claim` found: this process may load (`held`), or another instance is loading (`busy`). */
export type LeaseClaim = 'held' | 'busy';

/**
 * One loader per key across instances. A `getOrSet` miss reads Redis with `SET key <stand-in> NX PX
 * ttl GET`: one command that returns the entry, or finds the key empty and claims it for this
 * instance, so a miss costs no more round trips than bentocache's own read; the loader's write
 * replaces the stand-in and so ends the lease. Other instances reading the stand-in wait for the
 * value. A value still served while it reloads (expired within grace, or invalidated by tag) cannot
 * be replaced by a stand-in, so its reload is claimed with a lock key beside it. Leases expire after
 * `ttlMs`, so an instance that dies while loading holds up the others at most that long.
 */
export class LoadLeases {
  // One token per process is enough: a process holds at most one lease per key (the stand-in's value).
  private readonly token = `${LOADING_MARK}${randomBytes(6).toString('base64url')}`;
  private readonly ttl: string;
  // Keys a getOrSet in flight found missing from memory while misses were common: their Redis reads
  // also claim the lease. A hint only (a getOrSet whose read missed it claims in its loader, one round
  // trip later), so a set, not a count.
  private readonly wanted = new Set<string>();
  // The key of the getOrSet in its synchronous start, when bentocache reads the memory tier (and, for a
  // tagged entry, its tag keys, which must not be claimed: only this key's miss counts).
  private openingKey: string | undefined;
  private openingMissed = false;
  private readonly held = new Map<string, Lease>();
  // Keys whose last read found another instance's stand-in: their loader waits without asking again.
  private readonly busy = new Set<string>();
  /** Redis before 7.0 cannot combine `NX` with `GET`: leases then always use a lock key. */
  private valueKeyLeases = true;
  // How often a Redis-tier read lately found nothing (a moving average over about 64 reads). Claiming
  // with the read costs a hit a little (a longer command, and the key's bookkeeping); a plain read
  // costs a miss a round trip (its loader claims separately): reads claim only while misses are common.
  private recentMissRate = 1;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    ttlMs: number,
  ) {
    this.ttl = String(ttlMs);
  }

  /** Reads the server's version (value-key leases need Redis 7.0); true when it just turned out older. */
  async checkServer(): Promise<boolean> {
    const info = await this.redis.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 7);
    const before = this.valueKeyLeases;
    this.valueKeyLeases = major >= 7;
    return before && !this.valueKeyLeases;
  }

  /** A getOrSet of `key` starts: bentocache is about to read the memory tier (synchronously). */
  beginOpening(key: string): void {
    this.openingKey = key;
    this.openingMissed = false;
  }

  /** The getOrSet's synchronous start is over; true when it found its key missing from memory. */
  endOpening(): boolean {
    this.openingKey = undefined;
    return this.openingMissed;
  }

  /**
   * The memory tier does not hold `key`: when it is the opening getOrSet's and misses are common
   * lately, its Redis read will claim the lease (while they are rare, its loader claims instead).
   */
  memoryMiss(key: string): void {
    if (key !== this.openingKey) return;
    this.openingMissed = true;
    this.missedMemory(key);
  }

  /**
   * A getOrSet found `key` missing from memory and reads Redis next: while misses are common lately,
   * that read claims the lease. The getOrSet calls {@link unwant} when it ends.
   */
  missedMemory(key: string): void {
    if (this.recentMissRate >= CLAIM_ON_READ_ABOVE) this.wanted.add(key);
  }

  /** A getOrSet that missed memory ended: a lease its read took but no loader used is given back. */
  unwant(key: string): void {
    if (this.wanted.size > 0) this.wanted.delete(key);
    if (this.busy.size > 0) this.busy.delete(key);
    if (this.held.size > 0 && this.held.get(key)?.loading === false) this.abandon(key);
  }

  /**
   * The Redis tier's read of `key`: the entry, or `undefined` (empty, or a load in progress).
   * `onError` sees a failed read first (one promise per read: this runs on every Redis-tier hit).
   */
  read(key: string, onError: (error: unknown) => never): Promise<string | undefined> {
    const valueKey = valueKeyOf(this.prefix, key);
    if (this.wanted.size === 0 || !this.wanted.has(key) || !this.valueKeyLeases || this.held.has(key)) {
      return this.redis.get(valueKey).then(this.countedRead, onError);
    }
    return this.claimValueKey(valueKey).then((previous) => this.claimedByRead(key, previous), onError);
  }

  /** Claims the right to run `key`'s loader; `held` binds the lease to the loader that asked. Throws when Redis fails. */
  async claim(key: string): Promise<LeaseClaim> {
    const lease = this.held.get(key);
    if (lease) {
      lease.loading = true;
      return 'held';
    }
    if (this.busy.delete(key)) return 'busy';
    if (this.valueKeyLeases) {
      const previous = await this.claimValueKey(valueKeyOf(this.prefix, key));
      if (previous === null) return this.hold(key, true);
      if (isLoadingMark(previous)) return 'busy';
    }
    const locked = await this.redis.set(lockKeyOf(this.prefix, key), this.token, 'PX', this.ttl, 'NX');
    return locked === 'OK' ? this.hold(key, false) : 'busy';
  }

  /** `key` was written to Redis: a stand-in is overwritten, so its lease is over; a lock beside a value is deleted. */
  written(key: string): void {
    const lease = this.held.get(key);
    if (!lease) return;
    this.held.delete(key);
    if (!lease.inValueKey) this.giveBack(lockKeyOf(this.prefix, key));
  }

  /** Gives back `key`'s lease (its loader failed, or nothing was written) so another instance may load at once. */
  abandon(key: string): void {
    const lease = this.held.get(key);
    if (!lease) return;
    this.held.delete(key);
    const redisKey = lease.inValueKey ? valueKeyOf(this.prefix, key) : lockKeyOf(this.prefix, key);
    this.giveBack(redisKey);
  }

  /**
   * Waits until another instance's load of `key` ends (its stand-in is replaced or gone and no lock
   * stands beside the value), or `deadline` passes. Throws when Redis fails.
   */
  async waitFor(key: string, deadline: number): Promise<'ended' | 'timeout'> {
    const valueKey = valueKeyOf(this.prefix, key);
    const lockKey = lockKeyOf(this.prefix, key);
    let pause = 2;
    while (Date.now() < deadline) {
      await sleep(pause);
      pause = Math.min(pause * 2, 25);
      // The head of the value is enough to tell a stand-in from an entry, whatever the entry's size.
      const results = await this.redis
        .pipeline()
        .getrange(valueKey, 0, LOADING_MARK.length - 1)
        .exists(lockKey)
        .exec();
      const [head, locked] = (results ?? []).map(([error, reply]) => {
        if (error) throw error;
        return reply;
      });
      if (head !== LOADING_MARK && locked === 0) return 'ended';
    }
    return 'timeout';
  }

  // Puts this process's stand-in in an empty value key; answers what the key held (null: claimed).
  private claimValueKey(valueKey: string): Promise<string | null> {
    return this.redis.set(valueKey, this.token, 'PX', this.ttl, 'NX', 'GET');
  }

  // The reply of a plain read, counted for the miss rate.
  private readonly countedRead = (value: string | null): string | undefined => {
    const entry = entryOrUndefined(value);
    this.countRead(entry === undefined);
    return entry;
  };

  private countRead(missed: boolean): void {
    this.recentMissRate += ((missed ? 1 : 0) - this.recentMissRate) / 64;
  }

  // The reply of a read that claimed the lease of an empty key.
  private claimedByRead(key: string, previous: string | null): string | undefined {
    this.countRead(previous === null || isLoadingMark(previous));
    if (previous === null) {
      this.held.set(key, { inValueKey: true, loading: false });
      return undefined;
    }
    if (!isLoadingMark(previous)) return previous;
    if (previous !== this.token) this.busy.add(key);
    return undefined;
  }

  private hold(key: string, inValueKey: boolean): LeaseClaim {
    this.held.set(key, { inValueKey, loading: true });
    return 'held';
  }

  // Failures are ignored: the stand-in or lock expires on its own.
  private giveBack(redisKey: string): void {
    this.redis.eval(DELETE_IF_OURS, 1, redisKey, this.token).catch(() => undefined);
  }
}
