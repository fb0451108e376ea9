import { Kysely, type Kysely as KyselyType, type Migration, Migrator, sql, type Transaction } from 'kysely';
import { UnavailableError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { type OpenedDialect, openDialect, type StoreConnectionOptions, type StoreDialect } from './dialects.js';
import { withOutageErrors } from './outage-driver.js';
import { OutageMonitor } from './outage-monitor.js';
import { StoreTimeoutError, StoreUnavailableError } from './store-outage-error.js';

/** Options of {@link createStore}. */
export interface StoreOptions extends StoreConnectionOptions {
  /**
   * Migrations run in name order at start, once each, recorded in `keel_migration`. Write each with
   * Kysely's schema builder so it runs on both dialects. Default: none.
   */
  migrations?: Record<string, Migration>;
  /** Component name. Default: `store`. */
  name?: string;
}

/**
 * The SQL store component: Kysely over better-sqlite3 (default, a WAL-mode file in `dataDir`) or
 * PostgreSQL (when `databaseUrl` is set). Runs migrations at start and registers a readiness check.
 * Every query through `db` throws an outage (database down, restarting, locked, past its statement
 * timeout) as a StoreUnavailableError (503) or StoreTimeoutError (504), counted and logged per burst.
 *
 * @example
 * ```ts
 * const store = createStore<Database>({ databaseUrl: process.env.DATABASE_URL, migrations });
 * service.add(store);
 * await store.transaction(async (trx) => trx.insertInto('users').values(user).execute());
 * ```
 */
export class Store<DB> implements Component {
  readonly name: string;
  private readonly options: StoreOptions;
  private opened: OpenedDialect | undefined;
  private kysely: Kysely<DB> | undefined;
  private readonly outages: OutageMonitor;

  constructor(options: StoreOptions = {}) {
    this.options = options;
    this.name = options.name ?? 'store';
    this.outages = new OutageMonitor(this.name);
  }

  /** The Kysely instance, once started. */
  get db(): KyselyType<DB> {
    if (!this.kysely) throw new UnavailableError(`The store "${this.name}" has not started`);
    return this.kysely;
  }

  /** `sqlite` or `postgres`, known before start from the options. */
  get dialect(): StoreDialect {
    return this.options.databaseUrl ? 'postgres' : 'sqlite';
  }

  /** The underlying connection (pg pool or better-sqlite3 database), once started. */
  get connection(): OpenedDialect {
    if (!this.opened) throw new UnavailableError(`The store "${this.name}" has not started`);
    return this.opened;
  }

  /** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  async start(context: ComponentContext): Promise<void> {
    this.outages.attach(context.logger, context.metrics);
    try {
      this.opened = openDialect(this.options);
      this.kysely = new Kysely<DB>({ dialect: withOutageErrors(this.opened.kyselyDialect, this.outages) });
      await sql`select 1`.execute(this.kysely);
      await this.migrate(context);
    } catch (error) {
      await this.kysely?.destroy().catch(() => undefined);
      this.kysely = undefined;
      // The cause's message (ECONNREFUSED, a failed migration) says what to fix; the URL's password never shows.
      const where = this.opened
        ? `${this.opened.dialect} database "${this.opened.location}"`
        : `${this.dialect} database`;
      // An outage's client-safe message would hide what to fix: the operator reads the driver's own.
      const raw = error instanceof StoreUnavailableError || error instanceof StoreTimeoutError ? error.cause : error;
      const why = raw instanceof Error ? raw.message || String(raw) : String(raw);
      throw new UnavailableError(`The store could not open the ${where}: ${why}`, { cause: error });
    }
    context.health.register({
      name: this.name === 'store' ? 'database' : this.name,
      critical: true,
      timeoutMs: 2000,
      check: async () => {
        await sql`select 1`.execute(this.db);
      },
    });
    context.logger.info({ dialect: this.opened.dialect, location: this.opened.location }, 'store opened');
  }

  async stop(_context: StopContext): Promise<void> {
    await this.kysely?.destroy();
    this.kysely = undefined;
  }

  private async migrate(context: ComponentContext): Promise<void> {
    const migrations = this.options.migrations ?? {};
    if (Object.keys(migrations).length === 0) return;
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'keel_migration',
      migrationLockTableName: 'keel_migration_lock',
    });
    const { error, results } = await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success') context.logger.info({ migration: result.migrationName }, 'migration applied');
      if (result.status === 'Error') context.logger.error({ migration: result.migrationName }, 'migration failed');
    }
    if (error) throw error;
  }
}

/** Creates the {@link Store} component. */
export function createStore<DB>(options?: StoreOptions): Store<DB> {
  return new Store<DB>(options);
}
