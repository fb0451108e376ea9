import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { coalesceWrites } from './coalesced-writes.js';
import { CommandWatchdog } from './command-watchdog.js';

/** The three Redis connections of one cache. */
export interface RedisClients {
  /** Commands (Redis tier, locks, namespace generations, stats); fails fast while disconnected. */
  command: Redis;
  /** Pub/sub publishing; fails fast while disconnected so writes never wait on a dead Redis. */
  publisher: Redis;
  /** Pub/sub subscriptions; queues its SUBSCRIBE until connected and resubscribes after reconnecting. */
  subscriber: Redis;
  /** Fail the command and publisher connections' commands once Redis stops answering for `commandTimeoutMs`. */
  watchdogs: CommandWatchdog[];
}

/** Opens the cache's Redis connections; the command connection is connected lazily by `connect`. */
export function createRedisClients(url: string, commandTimeoutMs: number): RedisClients {
  const base: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 1000,
    // Reconnect quickly and forever: the cache keeps answering from memory meanwhile.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  };
  const failFast: RedisOptions = {
    ...base,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
  // A turn's commands share one socket write: auto-pipelining did that too, but its pipeline
  // bookkeeping cost more CPU than the writes it saved (see `coalesceWrites`).
  // Loaded on first use: a cache without Redis never pays for the client at start.
  const { Redis: Client } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const command = new Client(url, { ...failFast, connectionName: 'keel-cache' });
  coalesceWrites(command);
  // Publishes and acks from many concurrent writes do share a write per turn.
  const publisher = new Client(url, { ...failFast, connectionName: 'keel-cache-pub', enableAutoPipelining: true });
  return {
    command,
    publisher,
    subscriber: new Client(url, { ...base, connectionName: 'keel-cache-sub', autoResubscribe: true }),
    // One timer per connection instead of ioredis's `commandTimeout`, which arms one per command.
    watchdogs: [new CommandWatchdog(command, commandTimeoutMs), new CommandWatchdog(publisher, commandTimeoutMs)],
  };
}

/** Connects every client, waiting at most `withinMs`; returns false when Redis did not answer in time. */
export async function connectRedisClients(clients: RedisClients, withinMs: number): Promise<boolean> {
  const all = [clients.command, clients.publisher, clients.subscriber];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, withinMs);
  });
  // A lazy client may already be connecting (its first command starts it); a failed connect is retried
  // in the background by ioredis, and the cache starts degraded meanwhile.
  const ready = Promise.all(
    all.map((client) => {
      if (client.status === 'ready') return undefined;
      if (client.status === 'wait') client.connect().catch(() => undefined);
      return new Promise<void>((resolve) => client.once('ready', () => resolve()));
    }),
  );
  await Promise.race([ready, timeout]);
  clearTimeout(timer);
  return all.every((c) => c.status === 'ready');
}

/** Closes every client without waiting on a dead Redis. */
export async function closeRedisClients(clients: RedisClients): Promise<void> {
  for (const watchdog of clients.watchdogs) watchdog.stop();
  await Promise.all(
    [clients.command, clients.publisher, clients.subscriber].map(async (c) => {
      if (c.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c.disconnect();
    }),
  );
}
