import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../src/cache/coalesced-writes.js';
import { sharedRedisUrl, uniquePrefix } from './fixtures.js';

const prefix = uniquePrefix('coalesce');
const clients: Redis[] = [];

async function connected(coalesced: boolean): Promise<Redis> {
  const client = new Redis(sharedRedisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  if (coalesced) coalesceWrites(client);
  await client.connect();
  clients.push(client);
  return client;
}

// Counts the socket's writes to the kernel (one `_write` or `_writev` each) while `work` runs.
async function socketWrites(client: Redis, work: () => Promise<unknown>): Promise<number> {
  const socket = client.stream as Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const { _write: write, _writev: writev } = socket;
  let writes = 0;
  socket._write = (...args) => {
    writes += 1;
    write.apply(socket, args);
  };
  socket._writev = (...args) => {
    writes += 1;
    writev.apply(socket, args);
  };
  try {
    await work();
  } finally {
    socket._write = write;
    socket._writev = writev;
  }
  return writes;
}

beforeAll(async () => {
  const setup = await connected(false);
  await setup.mset(...Array.from({ length: 20 }, (_, i) => [`${prefix}:${i}`, `v${i}`]).flat());
});
afterAll(async () => {
  await clients[0]?.del(...Array.from({ length: 20 }, (_, i) => `${prefix}:${i}`));
  for (const client of clients) client.disconnect();
});

const twenty = (client: Redis) => Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`${prefix}:${i}`)));

describe('coalesceWrites', () => {
  it("sends one turn's commands in one socket write, each with its own reply", async () => {
    const plain = await connected(false);
    const coalesced = await connected(true);
    const expected = Array.from({ length: 20 }, (_, i) => `v${i}`);
    let replies: unknown[] = [];
    expect(await socketWrites(plain, async () => (replies = await twenty(plain)))).toBe(20);
    expect(replies).toEqual(expected);
    expect(await socketWrites(coalesced, async () => (replies = await twenty(coalesced)))).toBe(1);
    expect(replies).toEqual(expected);
  });

  it('batches the commands issued from promise jobs of one turn, and keeps working turn after turn', async () => {
    const coalesced = await connected(true);
    const writes = await socketWrites(coalesced, async () => {
      for (let turn = 0; turn < 5; turn += 1) {
        // Each reply's continuation issues the next command, as a cache call chain does.
        const chains = Array.from({ length: 10 }, (_, i) =>
          coalesced.get(`${prefix}:${i}`).then((value) => coalesced.get(`${prefix}:${Number(value?.slice(1)) + 10}`)),
        );
        expect(await Promise.all(chains)).toEqual(Array.from({ length: 10 }, (_, i) => `v${i + 10}`));
      }
    });
    // Two rounds of ten commands per turn; replies may arrive split, so allow a few more writes than 10.
    expect(writes).toBeLessThanOrEqual(20);
  });

  it('works on a new socket after a reconnect', async () => {
    const coalesced = await connected(true);
    coalesced.disconnect(true);
    await new Promise<void>((resolve) => coalesced.once('ready', () => resolve()));
    expect(await socketWrites(coalesced, async () => expect(await twenty(coalesced)).toHaveLength(20))).toBe(1);
  });
});
