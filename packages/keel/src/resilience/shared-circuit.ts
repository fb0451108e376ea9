import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { MigrationSet } from '../store/index.js';
import {
  type CircuitRow,
  RESILIENCE_MIGRATION_TABLE,
  type ResilienceTables,
  resilienceMigrations,
} from './shared-schema.js';

/** A shared circuit's state as read from the store, numbers parsed. Internal. */
export interface SharedView {
  state: 'closed' | 'open' | 'isolated';
  version: number;
  openedAt: number | undefined;
  openUntil: number | undefined;
  opens: number;
  probeHolder: string | undefined;
  probeUntil: number | undefined;
  lastFailure: string | undefined;
}

/**
 * What a shared circuit needs of a store: any `Store` of `keel/store`, whatever its database type.
 *
 * @example
 * ```ts
 * const store: CircuitStore = app.store;
 * ```
 */
export interface CircuitStore {
  readonly name: string;
  readonly db: unknown;
  migrate(set: MigrationSet): Promise<string[]>;
}

// One id per process: the probe lease names its holder.
const INSTANCE = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

// Per store, one migration run (a breaker made after start migrates lazily).
const migrated = new WeakMap<object, Promise<unknown>>();

/** Runs resilience's migrations once per store. Internal. */
export function migrateShared(store: CircuitStore): Promise<unknown> {
  let done = migrated.get(store);
  if (done === undefined) {
    done = store.migrate({ table: RESILIENCE_MIGRATION_TABLE, migrations: resilienceMigrations });
    migrated.set(store, done);
    // A failed run (the store down) is tried again next time.
    done.catch(() => migrated.delete(store));
  }
  return done;
}

/**
 * One breaker's row in `keel_resilience_circuit`: every transition is a conditional write naming
 * the version it moves from, so two instances never both move it; the probe lease is a
 * conditional update too. Internal.
 */
export class SharedCircuit {
  readonly instance = INSTANCE;

  constructor(
    private readonly store: CircuitStore,
    readonly name: string,
    readonly probeLeaseMs: number,
  ) {}

  private get db(): Kysely<ResilienceTables> {
    return this.store.db as unknown as Kysely<ResilienceTables>;
  }

  async read(): Promise<SharedView | undefined> {
    await migrateShared(this.store);
    const row = await this.db
      .selectFrom('keel_resilience_circuit')
      .selectAll()
      .where('name', '=', this.name)
      .executeTakeFirst();
    return row === undefined ? undefined : view(row);
  }

  /** Opens a closed (or absent) circuit; answers the row as it is after (maybe opened by a peer first). */
  async openFromClosed(now: number, breakMs: number, failure: string | undefined): Promise<SharedView | undefined> {
    await migrateShared(this.store);
    await this.db
      .insertInto('keel_resilience_circuit')
      .values({
        name: this.name,
        state: 'open',
        version: 1,
        opened_at: now,
        open_until: now + breakMs,
        opens: 1,
        probe_holder: null,
        probe_until: null,
        last_failure: failure ?? null,
        updated_at: now,
      })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet((eb) => ({
            state: 'open',
            version: eb('keel_resilience_circuit.version', '+', 1),
            opened_at: now,
            open_until: now + breakMs,
            opens: 1,
            probe_holder: null,
            probe_until: null,
            last_failure: failure ?? null,
            updated_at: now,
          }))
          .where('keel_resilience_circuit.state', '=', 'closed'),
      )
      .execute();
    return this.read();
  }

  /** Takes the probe lease of an open circuit whose break is over; true when this instance holds it. */
  async acquireProbe(version: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('keel_resilience_circuit')
      .set({ probe_holder: this.instance, probe_until: now + this.probeLeaseMs, updated_at: now })
      .where('name', '=', this.name)
      .where('state', '=', 'open')
      .where('version', '=', version)
      .where('open_until', '<=', now)
      .where((eb) => eb.or([eb('probe_holder', 'is', null), eb('probe_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The probes failed: open again, for `breakMs`, releasing the lease. */
  async reopen(
    version: number,
    now: number,
    breakMs: number,
    opens: number,
    failure: string | undefined,
  ): Promise<SharedView | undefined> {
    await this.db
      .updateTable('keel_resilience_circuit')
      .set((eb) => ({
        version: eb('version', '+', 1),
        opened_at: now,
        open_until: now + breakMs,
        opens,
        probe_holder: null,
        probe_until: null,
        last_failure: failure ?? null,
        updated_at: now,
      }))
      .where('name', '=', this.name)
      .where('version', '=', version)
      .where('probe_holder', '=', this.instance)
      .execute();
    return this.read();
  }

  /** The probes succeeded: close, releasing the lease. */
  async closeAfterProbes(version: number, now: number): Promise<SharedView | undefined> {
    await this.db
      .updateTable('keel_resilience_circuit')
      .set((eb) => ({
        state: 'closed',
        version: eb('version', '+', 1),
        opened_at: null,
        open_until: null,
        opens: 0,
        probe_holder: null,
        probe_until: null,
        updated_at: now,
      }))
      .where('name', '=', this.name)
      .where('version', '=', version)
      .where('probe_holder', '=', this.instance)
      .execute();
    return this.read();
  }

  /** By hand: `isolated` or `closed`, whatever the state was. */
  async force(state: 'isolated' | 'closed', now: number): Promise<SharedView | undefined> {
    await migrateShared(this.store);
    const values = {
      state,
      opened_at: null,
      open_until: null,
      opens: 0,
      probe_holder: null,
      probe_until: null,
      updated_at: now,
    };
    await this.db
      .insertInto('keel_resilience_circuit')
      .values({ name: this.name, version: 1, last_failure: null, ...values })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet((eb) => ({ ...values, version: eb('keel_resilience_circuit.version', '+', 1) })),
      )
      .execute();
    return this.read();
  }
}

function view(row: CircuitRow): SharedView {
  const num = (value: number | string | null) => (value === null ? undefined : Number(value));
  return {
    state: row.state === 'open' || row.state === 'isolated' ? row.state : 'closed',
    version: Number(row.version),
    openedAt: num(row.opened_at),
    openUntil: num(row.open_until),
    opens: row.opens,
    probeHolder: row.probe_holder ?? undefined,
    probeUntil: num(row.probe_until),
    lastFailure: row.last_failure ?? undefined,
  };
}
