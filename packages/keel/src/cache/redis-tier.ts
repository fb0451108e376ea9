import type { CreateDriverResult, L2CacheDriver } from 'bentocache/types';
import type { Redis } from 'ioredis';
import type { LoadLeases } from './load-leases.js';
import type { RedisOutage } from './outage.js';
import type { ReadsInFlight } from './reads-in-flight.js';
import { entryOrUndefined, valueKeyOf } from './redis-keys.js';

/**
 * The Redis tier, as a bentocache L2 driver storing entries where bentocache's own Redis driver
 * does. It adds what Keel's guarantees need: while the cache is degraded it answers "not there" at
 * once (no waiting on a dead Redis, no stale read before the recovery replayed its journal), every
 * real failure marks the outage before bentocache opens its circuit breaker, and reads and writes
 * take part in the cross-instance load leases ({@link LoadLeases}). A read Keel already made for
 * the call ({@link ReadsInFlight}) is answered without asking Redis again.
 */
export class RedisTier implements L2CacheDriver {
  readonly type = 'l2' as const;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly outage: RedisOutage,
    private readonly leases: LoadLeases | undefined,
    private readonly reads: ReadsInFlight | undefined,
  ) {}

  // Keel keeps its namespaces in the keys; a bentocache namespace gets a tier of its own, without leases.
  namespace(namespace: string): L2CacheDriver {
    return new RedisTier(this.redis, valueKeyOf(this.prefix, namespace), this.outage, undefined, undefined);
  }

  get(key: string): Promise<string | undefined> {
    if (this.outage.bypass()) return Promise.resolve(undefined);
    const left = this.reads?.take(key);
    if (left !== undefined) return Promise.resolve(left.value);
    return this.readAhead(key);
  }

  /** Keel's own read of `key`, made before bentocache's: what `get` would ask Redis. */
  readAhead(key: string): Promise<string | undefined> {
    if (this.outage.bypass()) return Promise.resolve(undefined);
    if (this.leases) return this.leases.read(key, this.failed);
    return this.redis.get(valueKeyOf(this.prefix, key)).then(entryOrUndefined, this.failed);
  }

  pull(key: string): Promise<string | undefined> {
    if (this.outage.bypass()) return Promise.resolve(undefined);
    return this.guard(this.redis.getdel(valueKeyOf(this.prefix, key)).then(entryOrUndefined));
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    if (this.outage.bypass()) return false;
    const redisKey = valueKeyOf(this.prefix, key);
    const reply = await this.guard(ttl ? this.redis.set(redisKey, value, 'PX', ttl) : this.redis.set(redisKey, value));
    this.leases?.written(key);
    return reply === 'OK';
  }

  async clear(): Promise<void> {
    if (this.outage.bypass()) return;
    await this.guard(this.unlinkMatching(`${this.prefix}:*`));
  }

  async delete(key: string): Promise<boolean> {
    if (this.outage.bypass()) return false;
    return (await this.guard(this.redis.unlink(valueKeyOf(this.prefix, key)))) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    if (this.outage.bypass()) return false;
    const redisKeys = keys.map((key) => valueKeyOf(this.prefix, key));
    // A recovery may replay thousands of keys: a bounded number per command.
    for (let start = 0; start < redisKeys.length; start += 1000) {
      await this.guard(this.redis.unlink(...redisKeys.slice(start, start + 1000)));
    }
    return true;
  }

  // The connections belong to the cache, which closes them on stop.
  async disconnect(): Promise<void> {}

  private async unlinkMatching(pattern: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  private guard<T>(operation: Promise<T>): Promise<T> {
    return operation.catch(this.failed);
  }

  // Every real failure marks the outage, then goes on to bentocache (which opens its circuit breaker).
  private readonly failed = (error: unknown): never => {
    this.outage.markDown(error instanceof Error ? error.message : String(error), true);
    throw error;
  };
}

/** The Redis tier driver of a cache whose keys start with `prefix`, handed to `created` once bentocache makes it. */
export function redisTier(
  redis: Redis,
  prefix: string,
  outage: RedisOutage,
  leases: LoadLeases,
  reads: ReadsInFlight,
  created: (tier: RedisTier) => void,
): CreateDriverResult<L2CacheDriver> {
  return {
    options: {},
    factory: () => {
      const tier = new RedisTier(redis, prefix, outage, leases, reads);
      created(tier);
      return tier;
    },
  };
}
