import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreConnectionOptions, StoreDialect } from '../store/index.js';

/**
 * Every dialect a store runs on; test files loop over it.
 *
 * @example
 * ```ts
 * describe.each(testDialects)('events on %s', (dialect) => {
 *   beforeAll(async () => { database = await createTestDatabase(dialect); });
 * });
 * ```
 */
export const testDialects: readonly StoreDialect[] = ['sqlite', 'postgres'];

/**
 * A fresh, empty database for one test file.
 *
 * @example
 * ```ts
 * const database: TestDatabase = await createTestDatabase('postgres');
 * const store = createStore<Database>({ ...database.options, migrations });
 * afterAll(() => database.drop());
 * ```
 */
export interface TestDatabase {
  dialect: StoreDialect;
  /** Store options pointing at the fresh database. */
  options: StoreConnectionOptions;
  /** `DATABASE_URL` for PostgreSQL, `undefined` for SQLite. */
  databaseUrl: string | undefined;
  /** `DATA_DIR` for SQLite (also set for PostgreSQL, for files a test writes). */
  dataDir: string;
  /** Drops the database and removes its files. */
  drop(): Promise<void>;
}

/**
 * The PostgreSQL server tests use: `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`.
 *
 * @example
 * ```ts
 * const admin = new pg.Client({ connectionString: testServerUrl() });
 * await admin.connect();
 * ```
 */
export function testServerUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/**
 * Creates a fresh database: a new SQLite file in a temporary folder, or a new PostgreSQL database
 * on the test server, so test files can run in parallel.
 *
 * @example
 * ```ts
 * for (const dialect of testDialects) {
 *   describe(dialect, () => {
 *     let database: TestDatabase;
 *     beforeAll(async () => { database = await createTestDatabase(dialect); });
 *     afterAll(() => database.drop());
 *   });
 * }
 * ```
 */
export async function createTestDatabase(dialect: StoreDialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keel-test-'));
  const removeDir = (): void => rmSync(dataDir, { recursive: true, force: true });
  if (dialect === 'sqlite') {
    return { dialect, options: { dataDir }, databaseUrl: undefined, dataDir, drop: async () => removeDir() };
  }
  const server = new URL(testServerUrl());
  const name = `keel_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(server, (client) => client.query(`create database ${name}`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    dialect,
    options: { databaseUrl, dataDir },
    databaseUrl,
    dataDir,
    drop: async () => {
      await withAdmin(server, (client) => client.query(`drop database if exists ${name} with (force)`));
      removeDir();
    },
  };
}

async function withAdmin<T>(server: URL, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
