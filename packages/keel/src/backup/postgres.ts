import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { isBookkeepingTable } from '../store/index.js';
import { BackupCorruptError, BackupFailedError } from './errors.js';
import { ensureTool } from './pg-tools.js';
import type { ProgressListener } from './progress.js';
import { lastLine, runTool } from './run-tool.js';

/** Where the PostgreSQL client tools are. */
export interface PgToolPaths {
  pgDump: string;
  pgRestore: string;
}

/** A connection URL without its password, and the password for `PGPASSWORD`, so `ps` never shows it. */
export function splitPassword(url: string): { url: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs `work` with a short-lived client on `url`. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // Loaded on first use: SQLite services never load the PostgreSQL driver.
  const { Client } = createRequire(import.meta.url)('pg') as typeof pg;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new BackupFailedError(`Cannot connect to PostgreSQL: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The server's major version (15 for 15.4). */
export async function serverMajor(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]!.server_version_num) / 10_000);
  });
}

/** `pg_dump --format=custom` of the database at `url` into `destination`, reporting bytes written. */
export async function dumpPostgres(
  url: string,
  destination: string,
  tools: PgToolPaths,
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<void> {
  await ensureTool('pg_dump', tools.pgDump, await serverMajor(url));
  const connection = splitPassword(url);
  // pg_dump gives no total, so report the archive's growth while it runs.
  const timer = setInterval(() => {
    stat(destination).then(
      (info) => options.onProgress?.({ unit: 'bytes', done: info.size, total: undefined }),
      () => undefined,
    );
  }, 250);
  try {
    const result = await runTool(
      tools.pgDump,
      ['--format=custom', '--no-password', `--file=${destination}`, `--dbname=${connection.url}`],
      { env: connection.env, ...(options.signal ? { signal: options.signal } : {}) },
    );
    if (result.code !== 0)
      throw new BackupFailedError(`pg_dump exited with code ${result.code}: ${lastLine(result.stderr)}`);
  } catch (error) {
    if (error instanceof BackupFailedError) throw error;
    throw new BackupFailedError(`pg_dump failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearInterval(timer);
  }
}

/** `pg_restore --list` on an archive: throws {@link BackupCorruptError} unless it reads as a dump; returns its entry count. */
export async function listDump(
  path: string,
  label: string,
  tools: PgToolPaths,
  serverVersion: number,
): Promise<number> {
  await ensureTool('pg_restore', tools.pgRestore, serverVersion);
  const result = await runTool(tools.pgRestore, ['--list', path]);
  if (result.code !== 0) throw new BackupCorruptError(`${label}: pg_restore --list failed: ${lastLine(result.stderr)}`);
  return result.stdout.split('\n').filter((line) => /^\d+;/.test(line)).length;
}

/**
 * `pg_restore` of an archive into the database at `url`, in one transaction; `--clean --if-exists` drops the
 * archive's objects first, so a database holding the same schema is replaced rather than duplicated.
 */
export async function restorePostgres(
  path: string,
  url: string,
  tools: PgToolPaths,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await ensureTool('pg_restore', tools.pgRestore, await serverMajor(url));
  const connection = splitPassword(url);
  const result = await runTool(
    tools.pgRestore,
    [
      '--single-transaction',
      '--exit-on-error',
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--no-password',
      `--dbname=${connection.url}`,
      path,
    ],
    { env: connection.env, ...(options.signal ? { signal: options.signal } : {}) },
  );
  if (result.code !== 0)
    throw new BackupFailedError(`pg_restore exited with code ${result.code}: ${lastLine(result.stderr)}`);
}

/**
 * True when a table other than Keel's bookkeeping (migration records and locks, jobs, schedules and
 * their runs: `isBookkeepingTable`) holds a row. A database a service has only started on (migrated,
 * its schedules recorded) holds no data yet.
 */
export async function postgresHoldsData(url: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
         AND table_schema NOT LIKE 'pg_toast%'`,
    );
    for (const { schema, name } of rows) {
      if (isBookkeepingTable(name)) continue;
      const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const found = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (found.rowCount && found.rowCount > 0) return true;
    }
    return false;
  });
}

/** How many other sessions are connected to the database at `url` (a running service keeps some). */
export async function postgresSessions(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return Number(rows[0]!.n);
  });
}
