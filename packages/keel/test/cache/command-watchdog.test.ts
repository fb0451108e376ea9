import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandWatchdog } from '../../src/cache/command-watchdog.js';
import { type PrivateRedis, startPrivateRedis } from '../../src/testing/private-redis.js';

const TIMEOUT = 100;
let redis: PrivateRedis;
let client: Redis;
let watchdog: CommandWatchdog;

beforeAll(async () => {
  redis = await startPrivateRedis();
  // The cache's fail-fast settings, without ioredis's own per-command timeout.
  client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  watchdog = new CommandWatchdog(client, TIMEOUT);
});
afterAll(async () => {
  watchdog.stop();
  client.disconnect();
  await redis.close();
});

// How a command ended and after how many ms; 'hung' when it had not ended after a second.
async function outcome(command: Promise<unknown>): Promise<{ ended: string; ms: number }> {
  const started = performance.now();
  const ended = await Promise.race([
    command.then(
      () => 'answered',
      (error: Error) => error.message,
    ),
    sleep(1000).then(() => 'hung'),
  ]);
  return { ended, ms: performance.now() - started };
}

describe('CommandWatchdog', () => {
  it('fails every command waiting on a frozen Redis once the oldest is a timeout old, then the connection works again', async () => {
    await client.set('k', 'v');
    redis.pause();
    const first = outcome(client.get('k'));
    await sleep(40);
    const behind = outcome(client.get('k'));
    const [a, b] = await Promise.all([first, behind]);
    redis.resume();
    console.log(
      `a frozen command failed after ${Math.round(a.ms)} ms, the one behind it after ${Math.round(b.ms)} ms (timeout ${TIMEOUT} ms)`,
    );
    // Not before its timeout; `outcome` reports 'hung' past 1 s, the only upper bound.
    expect(a.ended).toBe('Command timed out');
    expect(a.ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
    // Queued behind the stuck one, it fails with it rather than waiting a timeout of its own.
    expect(b.ended).toBe('Command timed out');
    expect(b.ms).toBeLessThan(a.ms);
    // The late replies settle nothing; the next command gets its own reply.
    expect(await client.get('k')).toBe('v');
    expect(await client.incr('counter')).toBe(1);
  });

  it('leaves a command that is slow but within the timeout alone', async () => {
    redis.pause();
    const slow = outcome(client.get('k'));
    await sleep(TIMEOUT / 2);
    redis.resume();
    expect((await slow).ended).toBe('answered');
  });

  it('goes on watching after a stall: the next frozen command also fails in time', async () => {
    for (let round = 0; round < 3; round += 1) {
      redis.pause();
      const stuck = await outcome(client.get('k'));
      redis.resume();
      expect(stuck.ended).toBe('Command timed out');
      expect(await client.get('k')).toBe('v');
    }
  });
});
