import type { StoreDialect } from '../store/index.js';

/**
 * The file extension of a backup per dialect: a SQLite file or a `pg_dump` custom-format archive.
 *
 * @example
 * ```ts
 * backupExtensions.postgres; // 'dump'
 * ```
 */
export const backupExtensions = { sqlite: 'db', postgres: 'dump' } as const satisfies Record<StoreDialect, string>;

/** What a backup's file name says. */
export interface ParsedBackupName {
  database: string;
  dialect: StoreDialect;
  /** The UTC second the backup started. */
  createdAt: Date;
}

const NAME = /^([A-Za-z0-9][A-Za-z0-9_.-]*)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.(db|dump)$/;

/** `YYYYMMDD_HHMMSS` in UTC. */
export function utcStamp(at: Date): string {
  const iso = at.toISOString(); // 2025-01-31T02:03:04.567Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * The file name of a backup: `<database>_YYYYMMDD_HHMMSS.<db|dump>` (UTC).
 *
 * @example
 * ```ts
 * backupFileName('keel', new Date('2025-01-31T02:03:04Z'), 'sqlite'); // 'keel_20250131_020304.db'
 * ```
 */
export function backupFileName(database: string, at: Date, dialect: StoreDialect): string {
  return `${database}_${utcStamp(at)}.${backupExtensions[dialect]}`;
}

/**
 * Reads a backup file name; `undefined` when `name` is not one (including any path separator).
 *
 * @example
 * ```ts
 * parseBackupFileName('keel_20250131_020304.db')?.createdAt; // 2025-01-31T02:03:04.000Z
 * ```
 */
export function parseBackupFileName(name: string): ParsedBackupName | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const [, database, y, mo, d, h, mi, s, ext] = match;
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  if (Number.isNaN(createdAt.getTime()) || utcStamp(createdAt) !== `${y}${mo}${d}_${h}${mi}${s}`) return undefined;
  return { database: database!, dialect: ext === 'db' ? 'sqlite' : 'postgres', createdAt };
}

/** A database name usable in a file name: anything else becomes `_`. */
export function safeDatabaseName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return cleaned.length > 0 ? cleaned : 'database';
}
