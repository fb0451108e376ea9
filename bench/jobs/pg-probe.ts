import pg from 'pg';
import { admin, sleep } from './common.js';

/** Round trips and transactions a PostgreSQL database served between `start` and `finish`. */
export interface PgCounts {
  roundTrips: number;
  transactions: number;
}

async function transactionsOf(database: string): Promise<number> {
  const rows = await admin<{ n: string }>(
    'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
    [database],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Counts round trips by wrapping `pg.Client#query` in this process (every pool's clients and LISTEN
 * clients are `pg.Client`s, the store's too), and transactions from `pg_stat_database`, read once the
 * counted connections are closed (a backend flushes its statistics when it exits).
 */
export function pgProbe(database: string) {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let roundTrips = 0;
  let counting = false;
  let before = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (counting) roundTrips += 1;
    return original.apply(this, args);
  };
  return {
    /** Call with the database's other connections closed. */
    async start(): Promise<void> {
      before = await transactionsOf(database);
      counting = true;
    },
    stopCounting(): void {
      counting = false;
    },
    /** Call once the counted connections are closed. */
    async finish(): Promise<PgCounts> {
      counting = false;
      proto.query = original;
      await sleep(100);
      return { roundTrips, transactions: (await transactionsOf(database)) - before };
    },
  };
}
