import type { Kysely, Migration } from 'kysely';

/** A shared circuit as stored (times in epoch ms; PostgreSQL returns bigints as strings). Internal. */
export interface CircuitRow {
  name: string;
  /** `closed`, `open` (half-open once `open_until` passed and a lease is held) or `isolated`. */
  state: string;
  /** Bumped on every transition: a write names the version it moves from. */
  version: number | string;
  opened_at: number | string | null;
  open_until: number | string | null;
  /** Opens in a row (failed probes add one), for the doubling break. */
  opens: number;
  /** The instance holding the probe lease, while half-open. */
  probe_holder: string | null;
  probe_until: number | string | null;
  last_failure: string | null;
  updated_at: number | string;
}

/** The tables resilience owns. Internal. */
export interface ResilienceTables {
  keel_resilience_circuit: CircuitRow;
}

/** The table recording resilience's migrations. */
export const RESILIENCE_MIGRATION_TABLE = 'keel_resilience_migration';

/** The migrations of the shared circuit table, for both dialects. Internal. */
export const resilienceMigrations: Record<string, Migration> = {
  '0001_keel_resilience_circuit': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('keel_resilience_circuit')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('opened_at', 'bigint')
        .addColumn('open_until', 'bigint')
        .addColumn('opens', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('probe_holder', 'text')
        .addColumn('probe_until', 'bigint')
        .addColumn('last_failure', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
