import { basename, dirname, extname, join } from 'node:path';
import { ValidationError } from '../errors/index.js';
import type { OpenedDialect, StoreConnectionOptions, StoreDialect } from '../store/index.js';
import { safeDatabaseName } from './names.js';

/** What a backup copies or a restore replaces: a SQLite file or a PostgreSQL database. */
export type DatabaseLocation =
  | { dialect: 'sqlite'; path: string; database: string }
  | { dialect: 'postgres'; url: string; database: string };

/** The part of a `Store` a backup needs: its name, dialect and open connection. */
export interface BackupStore {
  readonly name: string;
  readonly dialect: StoreDialect;
  readonly connection: OpenedDialect;
}

/** Where the database that `options` select lives (the store's defaults: `./data/keel.db`). */
export function locationFromConnection(options: StoreConnectionOptions, path = 'connection'): DatabaseLocation {
  if (options.databaseUrl) return postgresLocation(options.databaseUrl, `${path}.databaseUrl`);
  const filename = options.filename ?? 'keel.db';
  if (filename === ':memory:') {
    throw new ValidationError([
      { location: 'options', path: `${path}.filename`, message: 'an in-memory database cannot be backed up' },
    ]);
  }
  const file = join(options.dataDir ?? './data', filename);
  return { dialect: 'sqlite', path: file, database: safeDatabaseName(basename(file, extname(file))) };
}

/** Where a started store's database lives. */
export function locationFromStore(store: BackupStore): DatabaseLocation {
  const { connection } = store;
  if (connection.dialect === 'postgres') {
    const url = connection.pool?.options.connectionString;
    if (!url) {
      throw new ValidationError([
        { location: 'options', path: 'store', message: 'the store has no PostgreSQL connection string' },
      ]);
    }
    return postgresLocation(url, 'store');
  }
  return locationFromConnection(
    { dataDir: dirname(connection.location), filename: basename(connection.location) },
    'store',
  );
}

function postgresLocation(url: string, path: string): DatabaseLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError([{ location: 'options', path, message: 'must be a postgres:// URL' }]);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new ValidationError([{ location: 'options', path, message: 'must be a postgres:// URL' }]);
  }
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  return { dialect: 'postgres', url, database: safeDatabaseName(name) };
}

/** How a location is shown in messages: the file, or the database name (never the password). */
export function describeLocation(location: DatabaseLocation): string {
  return location.dialect === 'sqlite' ? location.path : `PostgreSQL database "${location.database}"`;
}
