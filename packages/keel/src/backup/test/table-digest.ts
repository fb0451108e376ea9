import { createHash } from 'node:crypto';
import { Kysely, sql } from 'kysely';
import { openDialect, type StoreConnectionOptions } from '../../store/dialects.js';

/** Per table: its row count and a sha256 over its rows, order-independent. */
export type TableDigest = Record<string, { rows: number; sha256: string }>;

/** Reads every user table of a database and digests its rows, to compare a restore with its source. */
export async function digestTables(options: StoreConnectionOptions): Promise<TableDigest> {
  const opened = openDialect(options);
  const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: opened.kyselyDialect });
  try {
    const tables =
      opened.dialect === 'sqlite'
        ? await sql<{
            name: string;
          }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`.execute(db)
        : await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(db);
    const digest: TableDigest = {};
    for (const { name } of tables.rows.sort((a, b) => a.name.localeCompare(b.name))) {
      const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)}`.execute(db);
      const lines = rows.map((row) => JSON.stringify(Object.entries(row).sort(), replacer)).sort();
      digest[name] = { rows: rows.length, sha256: createHash('sha256').update(lines.join('\n')).digest('hex') };
    }
    return digest;
  } finally {
    await db.destroy();
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}
