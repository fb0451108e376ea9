import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The benchmark's workload. */
export const JOBS = 20_000;
export const CONCURRENCY = 10;

/** The shared PostgreSQL server: `DATABASE_URL` or the local default. */
export const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database on the server, and how to drop it. */
export async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_jobs_${label}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** One peer's throughput result. */
export interface Throughput {
  name: string;
  settings: string;
  enqueueMs: number;
  totalMs: number;
  jobsPerSecond: number;
}

/** Resolves when `count()` reaches `target`. */
export function whenCount(count: () => number, target: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (count() >= target) resolve();
      else setTimeout(check, 2);
    };
    check();
  });
}

/** Percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
