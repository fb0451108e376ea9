import type { Redis } from 'ioredis';

/**
 * What Redis reports about itself, part of {@link RedisTierStats}.
 *
 * @example
 * ```ts
 * const { redis } = await cache.stats();
 * if (redis && redis.status !== 'down') console.log(redis.usedMemoryBytes, redis.keyCount);
 * ```
 */
export interface RedisStats {
  /** `used_memory` in bytes. */
  usedMemoryBytes: number;
  /** Keys in the selected database (`DBSIZE`), every user of that database included. */
  keyCount: number;
  /** `connected_clients`. */
  connectedClients: number;
}

function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** Reads used memory, key count and connected clients in one round trip. */
export async function readRedisStats(redis: Redis): Promise<RedisStats> {
  const results = await redis.pipeline().info('memory').info('clients').dbsize().exec();
  const values = (results ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  return {
    usedMemoryBytes: infoField(String(values[0]), 'used_memory'),
    connectedClients: infoField(String(values[1]), 'connected_clients'),
    keyCount: Number(values[2]),
  };
}
