import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { ValidationError } from '../errors/index.js';

// Bound parameters per statement: SQLite allows 32766, PostgreSQL 65535; stay well under both.
const MAX_PARAMETERS = 30_000;

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new ValidationError([{ location: 'options', path: 'chunkSize', message: 'must be a positive integer' }]);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Rows per INSERT so that the statement stays under the parameter limit. */
export function rowsPerStatement(columns: number, requested?: number): number {
  const limit = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns)));
  return Math.min(limit, requested ?? limit);
}

/** Inserts rows in chunked multi-row statements; returns the number inserted. */
export async function insertMany<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  options: { chunkSize?: number } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0] as object).length;
  let inserted = 0;
  for (const part of chunk(rows, rowsPerStatement(columns, options.chunkSize))) {
    // Kysely's generic insert types cannot follow a table name chosen at run time.
    await (db as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto(table)
      .values(part as Record<string, unknown>[])
      .execute();
    inserted += part.length;
  }
  return inserted;
}

/** Updates each row by its key column, in one transaction; returns the number of rows changed. */
export async function updateMany<DB, T extends keyof DB & string, K extends keyof Updateable<DB[T]> & string>(
  db: Kysely<DB>,
  table: T,
  key: K,
  rows: readonly Updateable<DB[T]>[],
): Promise<number> {
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const target = table as string;
  return loose.transaction().execute(async (trx) => {
    let changed = 0;
    for (const row of rows as Record<string, unknown>[]) {
      const id = row[key];
      if (id === undefined || id === null) {
        throw new ValidationError([{ location: 'rows', path: key, message: `every row needs its ${key}` }]);
      }
      const { [key]: _ignored, ...values } = row;
      if (Object.keys(values).length === 0) continue;
      const result = await trx
        .updateTable(target)
        .set(values)
        .where(key as string, '=', id as string | number)
        .executeTakeFirst();
      changed += Number(result.numUpdatedRows);
    }
    return changed;
  });
}

/** Rows whose `idColumn` is in `ids`, fetched in chunks, in the order of `ids` (missing ones skipped). */
export async function getManyByIds<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  ids: readonly (string | number)[],
  options: { idColumn?: keyof Selectable<DB[T]> & string; chunkSize?: number } = {},
): Promise<Selectable<DB[T]>[]> {
  const idColumn = options.idColumn ?? 'id';
  const unique = [...new Set(ids)];
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const found = new Map<unknown, Record<string, unknown>>();
  for (const part of chunk(unique, options.chunkSize ?? 1000)) {
    const rows = await loose.selectFrom(table).selectAll().where(idColumn, 'in', part).execute();
    for (const row of rows) found.set(row[idColumn], row);
  }
  return ids.flatMap((id) => {
    const row = found.get(id);
    return row ? [row as Selectable<DB[T]>] : [];
  });
}
