import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

// Deletes the lock only when it is still ours (it may have expired and been taken by another instance).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** How a wait for another instance's loader ended. */
export type LockWaitOutcome = 'value' | 'released' | 'timeout';

/**
 * The cross-instance loader lock: bentocache already runs one loader per key per process; this makes
 * it one per key across instances (SET NX PX), the others waiting for the value to land in Redis.
 */
export class DistributedLock {
  // Tokens need only be unique: a random id per process and a counter, not 8 random bytes per lock.
  private readonly tokenPrefix = `${randomBytes(8).toString('hex')}:`;
  private tokens = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  /** A token when the lock was taken, `undefined` when another instance holds it. Throws when Redis fails. */
  async tryAcquire(key: string): Promise<string | undefined> {
    this.tokens += 1;
    const token = this.tokenPrefix + this.tokens;
    const ok = await this.redis.set(this.lockKey(key), token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : undefined;
  }

  /** Gives the lock back; failures are ignored (it expires on its own). */
  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.lockKey(key), token).catch(() => undefined);
  }

  /** Polls until the value is in Redis, the lock is gone, or `deadline` passes. Throws when Redis fails. */
  async waitFor(key: string, deadline: number): Promise<LockWaitOutcome> {
    let pause = 2;
    while (Date.now() < deadline) {
      await sleep(pause);
      pause = Math.min(pause * 2, 25);
      const results = await this.redis.pipeline().exists(this.valueKey(key)).exists(this.lockKey(key)).exec();
      const [value, lock] = (results ?? []).map(([error, count]) => {
        if (error) throw error;
        return count as number;
      });
      if (value === 1) return 'value';
      if (lock === 0) return 'released';
    }
    return 'timeout';
  }

  private lockKey(key: string): string {
    return `${this.prefix}:__keel:lock:${key}`;
  }

  // bentocache's Redis driver stores an entry under `<prefix>:<key>`.
  private valueKey(key: string): string {
    return `${this.prefix}:${key}`;
  }
}
