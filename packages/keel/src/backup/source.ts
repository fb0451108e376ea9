import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../errors/index.js';
import type { Store, StoreConnectionOptions } from '../store/index.js';
import { safeDatabaseName } from './names.js';

/**
 * What a backup copies or a restore replaces: a SQLite file or a PostgreSQL database.
 *
 * @example
 * ```ts
 * const { dialect, database }: DatabaseLocation = backups.source; // 'sqlite', 'keel'
 * ```
 */
export type DatabaseLocation =
  | { dialect: 'sqlite'; path: string; database: string }
  | { dialect: 'postgres'; url: string; database: string };

/**
 * Where the database that `options` select lives (the store's defaults: `./data/keel.db`). `what`
 * and `path` name the option in the {@link UsageError} for a database that cannot be backed up.
 */
export function locationFromConnection(
  options: StoreConnectionOptions,
  what = 'createBackups',
  path = 'connection',
): DatabaseLocation {
  if (options.databaseUrl) return postgresLocation(options.databaseUrl, what, `${path}.databaseUrl`);
  const filename = options.filename ?? 'keel.db';
  if (filename === ':memory:') {
    throw new UsageError(`${what}: ${path}.filename an in-memory database cannot be backed up`);
  }
  const file = join(options.dataDir ?? './data', filename);
  return { dialect: 'sqlite', path: file, database: safeDatabaseName(basename(file, extname(file))) };
}

/** Where a started store's database lives (the store throws `UnavailableError` before it has started). */
export function locationFromStore(store: Pick<Store<unknown>, 'name' | 'connection'>): DatabaseLocation {
  const { connection } = store;
  if (connection.dialect === 'postgres') {
    const url = connection.pool?.options.connectionString;
    if (!url) throw new UsageError(`createBackups: store "${store.name}" has no PostgreSQL connection string`);
    return postgresLocation(url, 'createBackups', 'store');
  }
  return locationFromConnection(
    { dataDir: dirname(connection.location), filename: basename(connection.location) },
    'createBackups',
    'store',
  );
}

function postgresLocation(url: string, what: string, path: string): DatabaseLocation {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol))
    throw new UsageError(`${what}: ${path} must be a postgres:// URL`);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  return { dialect: 'postgres', url, database: safeDatabaseName(name) };
}

/** How a location is shown in messages: the file, or the database name (never the password). */
export function describeLocation(location: DatabaseLocation): string {
  return location.dialect === 'sqlite' ? location.path : `PostgreSQL database "${location.database}"`;
}
