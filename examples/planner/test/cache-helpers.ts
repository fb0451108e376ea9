import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export { type PrivateRedis, startPrivateRedis } from 'keel/testing';

/** The shared Redis of the test machine; each test file uses its own key prefix there. */
export const sharedRedisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A cache prefix no other test file (or run) uses. */
export function uniqueCachePrefix(name: string): string {
  return `plannertest-${name}-${randomBytes(4).toString('hex')}`;
}

/** The `q` quantile (0..1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}

/** Polls `check` every 25 ms until it holds or `withinMs` passes; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
}
