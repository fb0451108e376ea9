import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeelError } from '../../src/errors/index.js';
import { openDialect } from '../../src/store/dialects.js';
import {
  isStoreUnavailable,
  isUniqueViolation,
  StoreTimeoutError,
  StoreUnavailableError,
  sql,
} from '../../src/store/index.js';
import { withOutageErrors } from '../../src/store/outage-driver.js';
import { classifyStoreError } from '../../src/store/outage-errors.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';
import { closedPort, type LoggedStore, startLoggedStore, thrown } from './helpers.js';

// Nothing of the server's text or the SQL may reach a client through the error's message.
function expectClientSafe(error: Error): void {
  expect(error.message).not.toMatch(
    /select|pg_|canceling|terminating|ECONN|127\.0\.0\.1|SQLITE|locked|statement timeout/i,
  );
}

function outageCount(text: string, reason: string): number {
  const match = new RegExp(`keel_store_unavailable_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

describe('store outages on PostgreSQL (real server)', () => {
  let database: TestDatabase;
  let logged: LoggedStore;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    logged = await startLoggedStore({
      ...database.options,
      statementTimeoutMs: 200,
      poolMax: 2,
      connectTimeoutMs: 300,
    });
  });
  afterAll(async () => {
    await logged?.service.stop();
    await database?.drop();
  });

  it('a statement past statement_timeout (57014) is a StoreTimeoutError, 504, cause kept', async () => {
    const error = await thrown(() => sql`select pg_sleep(5)`.execute(logged.store.db));
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect(isKeelError(error) && [error.code, error.status]).toEqual(['timeout', 504]);
    expect((error as StoreTimeoutError).reason).toBe('statement_timeout');
    expect((error.cause as { code?: string }).code).toBe('57014');
    expect(classifyStoreError(error.cause)).toEqual({ kind: 'timeout', reason: 'statement_timeout' });
    expect(isStoreUnavailable(error)).toBe(false);
    expectClientSafe(error);
  });

  it('pg_terminate_backend of its own connection (57P01) is a StoreUnavailableError, 503 with retry; the store recovers', async () => {
    const error = await thrown(() => sql`select pg_terminate_backend(pg_backend_pid())`.execute(logged.store.db));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(isKeelError(error) && [error.code, error.status]).toEqual(['unavailable', 503]);
    expect((error as StoreUnavailableError).reason).toBe('terminated');
    expect((error as StoreUnavailableError).retryAfterSeconds).toBe(1);
    expect((error as StoreUnavailableError).extensions).toEqual({ retryAfterSeconds: 1 });
    expect((error.cause as { code?: string }).code).toBe('57P01');
    expect(isStoreUnavailable(error)).toBe(true);
    expect(isStoreUnavailable(new Error('wrapped by a handler', { cause: error }))).toBe(true);
    expectClientSafe(error);
    // The pool drops the dead client: the same store answers the next query.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(logged.store.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('a connection terminated by an administrator mid-transaction fails the transaction as unavailable', async () => {
    const admin = new pg.Client({ connectionString: database.databaseUrl });
    await admin.connect();
    try {
      const error = await thrown(() =>
        logged.store.transaction(async (trx) => {
          await trx.insertInto('items').values({ id: 1, name: 'lost' }).execute();
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
          await trx.insertInto('items').values({ id: 2, name: 'lost too' }).execute();
        }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(['terminated', 'connection_lost']).toContain((error as StoreUnavailableError).reason);
      expectClientSafe(error);
    } finally {
      await admin.end();
    }
    // Nothing of the cut transaction was committed, and the store carries on.
    expect(await logged.store.db.selectFrom('items').selectAll().execute()).toEqual([]);
  });

  it('a statement canceled by an administrator (pg_cancel_backend, 57014) is unavailable: canceled', async () => {
    const admin = new pg.Client({ connectionString: database.databaseUrl });
    await admin.connect();
    try {
      const error = await thrown(() =>
        logged.store.transaction(async (trx) => {
          await sql`set local statement_timeout = 0`.execute(trx);
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          const pid = rows[0]!.pid;
          const sleeping = sql`select pg_sleep(5)`.execute(trx);
          sleeping.catch(() => undefined);
          // Cancel only once the sleep runs: a cancel that arrives before it would cancel nothing.
          for (let i = 0; i < 100; i += 1) {
            const active = await admin.query(
              "select 1 from pg_stat_activity where pid = $1 and query like '%pg_sleep%' and state = 'active'",
              [pid],
            );
            if (active.rowCount) break;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          await admin.query('select pg_cancel_backend($1)', [pid]);
          await sleeping;
        }),
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).toBe('canceled');
      expect((error.cause as { code?: string }).code).toBe('57014');
      expectClientSafe(error);
    } finally {
      await admin.end();
    }
  });

  it('a pool with no connection free in time (pg-pool timeout) is unavailable: pool_timeout', async () => {
    const held = [
      await logged.store.db.startTransaction().execute(),
      await logged.store.db.startTransaction().execute(),
    ];
    try {
      const error = await thrown(() => sql`select 1`.execute(logged.store.db));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).toBe('pool_timeout');
      expect((error.cause as Error).message).toBe('timeout exceeded when trying to connect');
      expectClientSafe(error);
    } finally {
      for (const trx of held) await trx.rollback().execute();
    }
  });

  it('a refused connection (nothing on the port, ECONNREFUSED) is unavailable: connection_refused', async () => {
    const port = await closedPort();
    const opened = openDialect({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/none`, connectTimeoutMs: 1000 });
    const failures: string[] = [];
    const db = new Kysely<unknown>({
      dialect: withOutageErrors(opened.kyselyDialect, {
        failed: (outage) => failures.push(outage.reason),
        succeeded: () => undefined,
      }),
    });
    try {
      const error = await thrown(() => sql`select 1`.execute(db));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).reason).toBe('connection_refused');
      expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
      expect(failures).toEqual(['connection_refused']);
      expectClientSafe(error);
    } finally {
      await db.destroy();
    }
  });

  it('keeps query errors raw: a unique violation is still 23505, not a KeelError', async () => {
    await logged.store.db.insertInto('items').values({ id: 10, name: 'twin' }).execute();
    const error = await thrown(() => logged.store.db.insertInto('items').values({ id: 11, name: 'twin' }).execute());
    expect(isKeelError(error)).toBe(false);
    expect(isUniqueViolation(error)).toBe(true);
    expect(classifyStoreError(error)).toBeUndefined();
    const syntax = await thrown(() => sql`selec 1`.execute(logged.store.db));
    expect(isKeelError(syntax)).toBe(false);
  });

  it('counts every outage by reason and warns once per burst, then says when the store answers again', async () => {
    const before = await logged.service.metrics.text();
    const warnsBefore = logged.lines.filter((l) => l.level === 40).length;
    for (let i = 0; i < 3; i += 1) {
      await thrown(() => sql`select pg_terminate_backend(pg_backend_pid())`.execute(logged.store.db));
    }
    const after = await logged.service.metrics.text();
    expect(outageCount(after, 'terminated') - outageCount(before, 'terminated')).toBe(3);
    expect(outageCount(after, 'statement_timeout')).toBeGreaterThanOrEqual(1);
    expect(outageCount(after, 'pool_timeout')).toBeGreaterThanOrEqual(1);
    // The three failures came within a second of the last burst's: at most one new warning.
    const warns = logged.lines.filter((l) => l.level === 40).slice(warnsBefore);
    expect(warns.length).toBeLessThanOrEqual(1);
    expect(
      logged.lines.filter((l) => l.msg === 'store unavailable; failing operations until it answers').length,
    ).toBeLessThan(
      outageCount(after, 'terminated') + outageCount(after, 'pool_timeout') + outageCount(after, 'statement_timeout'),
    );
    // A success after a quiet second ends the burst, logged at info.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sql`select 1`.execute(logged.store.db);
    const recovered = logged.lines.findLast((l) => l.msg === 'store available again');
    expect(recovered).toMatchObject({ level: 30 });
    expect(Number(recovered?.failures)).toBeGreaterThanOrEqual(3);
  });
});

describe('store outages on SQLite (real file, a second connection holding the lock)', () => {
  let database: TestDatabase;
  let logged: LoggedStore;
  let other: Database.Database;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    logged = await startLoggedStore({ ...database.options, busyTimeoutMs: 50 });
    other = new Database(logged.store.connection.location);
    other.pragma('busy_timeout = 0');
  });
  afterAll(async () => {
    other?.close();
    await logged?.service.stop();
    await database?.drop();
  });

  it('a write blocked past the busy timeout (SQLITE_BUSY) is unavailable: busy, 503; it succeeds once the lock is gone', async () => {
    other.exec('BEGIN EXCLUSIVE');
    try {
      const error = await thrown(() => logged.store.db.insertInto('items').values({ id: 1, name: 'a' }).execute());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(isKeelError(error) && error.status).toBe(503);
      expect((error as StoreUnavailableError).reason).toBe('busy');
      expect((error.cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
      expect(classifyStoreError(error.cause)).toEqual({ kind: 'unavailable', reason: 'busy' });
      expectClientSafe(error);
      // The transaction path too: begin, then the first write.
      const inTrx = await thrown(() =>
        logged.store.transaction((trx) => trx.insertInto('items').values({ id: 2, name: 'b' }).execute()),
      );
      expect((inTrx as StoreUnavailableError).reason).toBe('busy');
    } finally {
      other.exec('ROLLBACK');
    }
    await logged.store.db.insertInto('items').values({ id: 1, name: 'a' }).execute();
    expect(await logged.store.db.selectFrom('items').selectAll().execute()).toEqual([{ id: 1, name: 'a' }]);
    expect(outageCount(await logged.service.metrics.text(), 'busy')).toBe(2);
  });

  it('keeps constraint errors raw: SQLITE_CONSTRAINT_UNIQUE, not a KeelError', async () => {
    const error = await thrown(() => logged.store.db.insertInto('items').values({ id: 3, name: 'a' }).execute());
    expect(isKeelError(error)).toBe(false);
    expect(isUniqueViolation(error)).toBe(true);
  });
});
