import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Dialect, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { discardingBrokenClients } from './pg-broken-clients.js';
import { withStatementCache } from './statement-cache.js';

/**
 * The SQL engines a store runs on.
 *
 * @example
 * ```ts
 * const dialect: StoreDialect = store.dialect;
 * const now = dialect === 'postgres' ? sql`now()` : sql`datetime('now')`;
 * ```
 */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * Connection settings of a store.
 *
 * @example
 * ```ts
 * const connection: StoreConnectionOptions = process.env.DATABASE_URL
 *   ? { databaseUrl: process.env.DATABASE_URL, poolMax: 20, statementTimeoutMs: 10_000 }
 *   : { dataDir: './data', filename: 'planner.db' };
 * ```
 */
export interface StoreConnectionOptions {
  /** A `postgres://` URL selects PostgreSQL; unset selects SQLite. Default: unset. */
  databaseUrl?: string;
  /** Folder of the SQLite file. Default: `./data`. */
  dataDir?: string;
  /** SQLite file name inside `dataDir`, or `:memory:`. Default: `keel.db`. */
  filename?: string;
  /** PostgreSQL pool size. Default: 10. */
  poolMax?: number;
  /** Close pooled connections idle this long (ms). Default: 30000. */
  idleTimeoutMs?: number;
  /** Give up connecting after this long (ms). Default: 5000. */
  connectTimeoutMs?: number;
  /** PostgreSQL `statement_timeout` (ms); 0 disables. Default: 30000. */
  statementTimeoutMs?: number;
  /** SQLite `busy_timeout` (ms), how long a write waits for another process's lock. Default: 5000. */
  busyTimeoutMs?: number;
}

/**
 * An open connection: the Kysely dialect plus what is needed to close it and to describe it.
 *
 * @example
 * ```ts
 * const { sqlite, location }: OpenedDialect = store.connection;
 * if (sqlite) await sqlite.backup(`${location}.backup`);
 * ```
 */
export interface OpenedDialect {
  dialect: StoreDialect;
  kyselyDialect: Dialect;
  /** The SQLite file path, or the PostgreSQL database name. */
  location: string;
  /** The underlying better-sqlite3 database (SQLite only), e.g. for backups. */
  sqlite?: Database.Database;
  /** The underlying pg pool (PostgreSQL only), e.g. for LISTEN/NOTIFY. */
  pool?: pg.Pool;
}

/** Opens the dialect that `options` select. */
export function openDialect(options: StoreConnectionOptions): OpenedDialect {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options);
  return openSqlite(options);
}

function openSqlite(options: StoreConnectionOptions): OpenedDialect {
  const filename = options.filename ?? 'keel.db';
  let location = filename;
  if (filename !== ':memory:') {
    const dir = options.dataDir ?? './data';
    mkdirSync(dir, { recursive: true });
    location = join(dir, filename);
  }
  const sqlite = new Database(location);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  // NORMAL is durable across process crashes in WAL mode; only power loss can drop the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return {
    dialect: 'sqlite',
    kyselyDialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    location,
    sqlite,
  };
}

function openPostgres(url: string, options: StoreConnectionOptions): OpenedDialect {
  const statementTimeout = options.statementTimeoutMs ?? 30_000;
  // Loaded on first use: a service on SQLite never pays for the PostgreSQL driver at start.
  const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
  const pool = new Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout } : {}),
  });
  // A client that loses its server emits 'error': the pool listens only while the client is idle, so
  // one checked out (mid-transaction) would crash the process. Its query still fails on its own promise.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const location = new URL(url).pathname.replace(/^\//, '') || 'postgres';
  return {
    dialect: 'postgres',
    kyselyDialect: new PostgresDialect({ pool: discardingBrokenClients(pool) }),
    location,
    pool,
  };
}
