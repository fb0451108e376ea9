import { AsyncLocalStorage } from 'node:async_hooks';
import { Kysely, type Kysely as KyselyType, type Migration, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UnavailableError, UsageError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import { type OpenedDialect, openDialect, type StoreConnectionOptions, type StoreDialect } from './dialects.js';
import { type MigrationSet, runMigrations } from './migrations.js';
import { withOutageErrors } from './outage-driver.js';
import { OutageMonitor } from './outage-monitor.js';
import { StoreTimeoutError, StoreUnavailableError } from './store-outage-error.js';

/**
 * Options of {@link createStore}.
 *
 * @example
 * ```ts
 * const options: StoreOptions = { databaseUrl: process.env.DATABASE_URL, poolMax: 20, migrations };
 * ```
 */
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
  private readonly migrations: Record<string, Migration>;
  private opened: OpenedDialect | undefined;
  private kysely: Kysely<DB> | undefined;
  private readonly outages: OutageMonitor;
  private starting = false;
  private readonly ambient = new AsyncLocalStorage<Transaction<DB>>();

  constructor(options: StoreOptions = {}) {
    this.options = checkOptions('createStore', storeOptionsSchema, options) as StoreOptions;
    this.name = this.options.name ?? 'store';
    this.migrations = { ...this.options.migrations };
    this.outages = new OutageMonitor(this.name);
  }

  /**
   * Adds the service's migrations (a feature's, say) before start; they run with the others, in
   * `keel_migration`. A name already added is refused.
   *
   * @example
   * ```ts
   * store.addMigrations({ '0001_events': { up: async (db) => { await db.schema.createTable('events')...execute(); } } });
   * ```
   */
  addMigrations(migrations: Record<string, Migration>): this {
    if (this.starting) throw new UsageError(`Migrations must be added before the store "${this.name}" starts`);
    for (const [name, migration] of Object.entries(migrations)) {
      if (Object.hasOwn(this.migrations, name)) throw new UsageError(`Two migrations are named "${name}"`);
      if (typeof migration?.up !== 'function') throw new UsageError(`Migration "${name}" needs an up() function`);
      this.migrations[name] = migration;
    }
    return this;
  }

  /**
   * Runs a capability's own migration set, recorded in its own table; for components that start
   * after the store. Returns the names applied.
   *
   * @example
   * ```ts
   * await store.migrate({ table: 'mailer_migration', migrations: { '001_outbox': { up: createOutbox } } }, logger);
   * ```
   */
  migrate(set: MigrationSet, logger?: Logger): Promise<string[]> {
    return runMigrations(this.db as unknown as KyselyType<unknown>, set, logger);
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

  /**
   * Runs `work` in a transaction: committed when it resolves, rolled back when it throws. Inside
   * it, {@link Store.currentTransaction} is this transaction, so what joins it (an enqueue) need not
   * be handed `trx`. Called inside another transaction, it joins that one.
   *
   * @example
   * ```ts
   * await store.transaction(async (trx) => {
   *   await trx.insertInto('events').values(event).execute();
   *   await jobs.enqueue(sendReminder, { eventId: event.id }); // joins trx
   * });
   * ```
   */
  transaction<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    const current = this.ambient.getStore();
    if (current) return work(current);
    return this.db.transaction().execute((trx) => this.ambient.run(trx, () => work(trx)));
  }

  /**
   * The transaction the caller runs inside (through {@link Store.transaction}), or `undefined`.
   *
   * @example
   * ```ts
   * const db = store.currentTransaction() ?? store.db;
   * ```
   */
  currentTransaction(): Transaction<DB> | undefined {
    return this.ambient.getStore();
  }

  async start(context: ComponentContext): Promise<void> {
    this.starting = true;
    this.outages.attach(context.logger, context.metrics);
    try {
      this.opened = openDialect(this.options);
      this.kysely = new Kysely<DB>({ dialect: withOutageErrors(this.opened.kyselyDialect, this.outages) });
      await sql`select 1`.execute(this.kysely);
      if (Object.keys(this.migrations).length > 0) {
        await runMigrations(
          this.kysely as unknown as KyselyType<unknown>,
          { table: 'keel_migration', migrations: this.migrations, allowUnordered: true },
          context.logger,
        );
      }
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
}

const storeOptionsSchema = z
  .object({
    databaseUrl: option.databaseUrl().optional(),
    dataDir: z.string().min(1).optional(),
    filename: z.string().min(1).optional(),
    poolMax: option.count().optional(),
    idleTimeoutMs: option.durationMs().optional(),
    connectTimeoutMs: option.durationMs().optional(),
    statementTimeoutMs: option.durationMs().optional(),
    busyTimeoutMs: option.durationMs().optional(),
    migrations: z.record(z.string(), z.object({ up: option.fn() }).loose()).optional(),
    name: option.name().optional(),
  })
  .loose();

/**
 * Creates the {@link Store} component.
 *
 * @example
 * ```ts
 * const store = createStore<Database>({ dataDir: './data' });
 * ```
 */
export function createStore<DB>(options?: StoreOptions): Store<DB> {
  return new Store<DB>(options);
}
