import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export { sleep };

/** Jobs per bulk enqueue call (every contender's bulk API gets the same chunks). */
export const BULK_CHUNK = 1000;

/** The shared PostgreSQL server: `DATABASE_URL` or the local default. */
export const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The shared Redis server: `REDIS_URL` or the local default. */
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Runs one statement on the server's maintenance database. */
export async function admin<R extends pg.QueryResultRow>(statement: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query<R>(statement, values)).rows;
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database on the server, and how to drop it. */
export async function freshDatabase(label: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `bench_jobs_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => void (await admin(`drop database if exists ${name} with (force)`)),
  };
}

/** Resolves when `count()` reaches `target`; rejects once `deadlineMs` has passed. */
export async function whenCount(count: () => number, target: number, deadlineMs = 120_000): Promise<void> {
  const giveUpAt = performance.now() + deadlineMs;
  while (count() < target) {
    if (performance.now() > giveUpAt) throw new Error(`timed out at ${count()} of ${target} after ${deadlineMs} ms`);
    await sleep(1);
  }
}

/** Percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `count` items made by `make`, in chunks of `size`. */
export function chunks<T>(count: number, size: number, make: (n: number) => T): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < count; start += size) {
    out.push(Array.from({ length: Math.min(size, count - start) }, (_, i) => make(start + i)));
  }
  return out;
}
