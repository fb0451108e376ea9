import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Logger } from 'pino';

/**
 * A named set of migrations with its own record table, so a capability's migrations never mix
 * with the service's.
 *
 * @example
 * ```ts
 * const set: MigrationSet = { table: 'keel_job_migration', migrations: { '0001_keel_job': { up } } };
 * ```
 */
export interface MigrationSet {
  /** The table recording which ran (its lock table is `<table>_lock`). */
  table: string;
  /** Migrations by name, run once each in name order. */
  migrations: Record<string, Migration>;
  /**
   * Run a migration whose name sorts before one already applied (features added later bring
   * their own names). Default: `false`.
   */
  allowUnordered?: boolean;
}

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Runs a set's pending migrations; returns the names applied, logging each. */
export async function runMigrations(db: Kysely<unknown>, set: MigrationSet, logger?: Logger): Promise<string[]> {
  if (!TABLE.test(set.table)) throw new TypeError(`A migration table name must match ${TABLE}, got "${set.table}"`);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => set.migrations },
    migrationTableName: set.table,
    migrationLockTableName: `${set.table}_lock`,
    allowUnorderedMigrations: set.allowUnordered ?? false,
  });
  const { error, results } = await migrator.migrateToLatest();
  const applied: string[] = [];
  for (const result of results ?? []) {
    if (result.status === 'Success') {
      applied.push(result.migrationName);
      logger?.info({ migration: result.migrationName, table: set.table }, 'migration applied');
    }
    if (result.status === 'Error') logger?.error({ migration: result.migrationName }, 'migration failed');
  }
  if (error) throw error;
  return applied;
}
