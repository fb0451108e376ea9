import {
  type Insertable,
  type Kysely,
  PostgresAdapter,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';
import { UsageError } from '../errors/index.js';

// Bound parameters per statement: SQLite allows 32766, PostgreSQL 65535; stay well under both.
const MAX_PARAMETERS = 30_000;

/**
 * Splits `items` into chunks of at most `size`.
 *
 * @example
 * ```ts
 * chunk([1, 2, 3], 2); // [[1, 2], [3]]
 * ```
 */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`chunk: size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Rows per INSERT so that the statement stays under the parameter limit. */
export function rowsPerStatement(columns: number, requested?: number): number {
  const limit = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns)));
  return Math.min(limit, requested ?? limit);
}

type LooseDb = Kysely<Record<string, Record<string, unknown>>>;

// Runs `work` in a transaction, or in the caller's when `db` already is one (Kysely cannot nest them).
function inTransaction<T>(db: LooseDb, work: (trx: LooseDb) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}

/**
 * Inserts rows in chunked multi-row statements, all in one transaction; returns the number inserted.
 *
 * @example
 * ```ts
 * const inserted = await insertMany(store.db, 'events', events, { chunkSize: 500 });
 * ```
 */
export async function insertMany<DB, T extends keyof DB & string>(
  db: Kysely<DB> | Transaction<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  options: { chunkSize?: number } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  // Rows may differ in keys: Kysely binds the union of them for every row of a statement.
  const columns = new Set(rows.flatMap((row) => Object.keys(row as object))).size;
  // Kysely's generic insert types cannot follow a table name chosen at run time.
  return inTransaction(db as unknown as LooseDb, async (trx) => {
    let inserted = 0;
    for (const part of chunk(rows, rowsPerStatement(columns, options.chunkSize))) {
      await trx
        .insertInto(table)
        .values(part as Record<string, unknown>[])
        .execute();
      inserted += part.length;
    }
    return inserted;
  });
}

/**
 * Updates each row by its key column, all in one transaction; returns the number of rows changed.
 * On PostgreSQL rows with the same columns go in chunked `UPDATE ... FROM json_populate_recordset`
 * statements (one parameter each, typed by the table); SQLite, in process, updates row by row.
 *
 * @example
 * ```ts
 * const changed = await updateMany(store.db, 'events', 'id', [{ id: 1, title: 'Standup' }, { id: 2, title: 'Retro' }]);
 * ```
 */
export async function updateMany<DB, T extends keyof DB & string, K extends keyof Updateable<DB[T]> & string>(
  db: Kysely<DB> | Transaction<DB>,
  table: T,
  key: K,
  rows: readonly Updateable<DB[T]>[],
  options: { chunkSize?: number } = {},
): Promise<number> {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of rows as Record<string, unknown>[]) {
    if (row[key] === undefined || row[key] === null) {
      throw new UsageError(`updateMany: every row of ${table} needs its ${key}`);
    }
    const columns = Object.keys(row)
      .filter((column) => column !== key && row[column] !== undefined)
      .sort();
    if (columns.length === 0) continue;
    const signature = JSON.stringify(columns);
    const group = groups.get(signature);
    if (group) group.push(row);
    else groups.set(signature, [row]);
  }
  const loose = db as unknown as LooseDb;
  const postgres = loose.getExecutor().adapter instanceof PostgresAdapter;
  return inTransaction(loose, async (trx) => {
    let changed = 0;
    for (const [signature, group] of groups) {
      const columns = JSON.parse(signature) as string[];
      if (postgres && group.every((row) => columns.every((column) => isJsonSafe(row[column])))) {
        for (const part of chunk(group, options.chunkSize ?? 5000)) {
          const assignments = sql.join(columns.map((column) => sql`${sql.id(column)} = ${sql.ref(`v.${column}`)}`));
          const result = await sql`update ${sql.table(table)} set ${assignments}
            from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(part)}::json) as v
            where ${sql.ref(`${table}.${key}`)} = ${sql.ref(`v.${key}`)}`.execute(trx);
          changed += Number(result.numAffectedRows ?? 0n);
        }
        continue;
      }
      for (const row of group) {
        const values = Object.fromEntries(columns.map((column) => [column, row[column]]));
        const result = await trx
          .updateTable(table as string)
          .set(values)
          .where(key as string, '=', row[key] as string | number)
          .executeTakeFirst();
        changed += Number(result.numUpdatedRows);
      }
    }
    return changed;
  });
}

// Values that survive a JSON round trip into PostgreSQL's record types (Buffers and bigints do not).
function isJsonSafe(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) || value instanceof Date;
}

/**
 * Rows whose `idColumn` is in `ids`, fetched in chunks, in the order of `ids` (missing ones skipped).
 *
 * @example
 * ```ts
 * const users = await getManyByIds(store.db, 'users', [3, 1, 2]); // users 3, 1, 2, those that exist
 * const byEmail = await getManyByIds(store.db, 'users', emails, { idColumn: 'email' });
 * ```
 */
export async function getManyByIds<DB, T extends keyof DB & string>(
  db: Kysely<DB> | Transaction<DB>,
  table: T,
  ids: readonly (string | number)[],
  options: { idColumn?: keyof Selectable<DB[T]> & string; chunkSize?: number } = {},
): Promise<Selectable<DB[T]>[]> {
  const idColumn = options.idColumn ?? 'id';
  const unique = [...new Set(ids)];
  const loose = db as unknown as LooseDb;
  // Keyed by string: PostgreSQL returns bigint ids as strings even when asked with numbers.
  const found = new Map<string, Record<string, unknown>>();
  for (const part of chunk(unique, options.chunkSize ?? 1000)) {
    const rows = await loose.selectFrom(table).selectAll().where(idColumn, 'in', part).execute();
    for (const row of rows) found.set(String(row[idColumn]), row);
  }
  return ids.flatMap((id) => {
    const row = found.get(String(id));
    return row ? [row as Selectable<DB[T]>] : [];
  });
}
