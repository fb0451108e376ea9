import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeelError, UnavailableError } from '../errors/index.js';
import { HealthRegistry } from '../health/index.js';
import { createLogger } from '../logging/index.js';
import { Service } from '../service/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/index.js';
import {
  chunk,
  createStore,
  getManyByIds,
  insertMany,
  isForeignKeyViolation,
  isUniqueViolation,
  type Kysely,
  type Migration,
  type Store,
  sql,
  updateMany,
} from './index.js';

interface Database {
  items: { id: number; name: string; qty: number; note: string | null };
  tags: { id: number; item_id: number; label: string };
}

const migrations: Record<string, Migration> = {
  '001_items': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
        .addColumn('qty', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '002_tags': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('items').addColumn('note', 'text').execute();
      await db.schema
        .createTable('tags')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('item_id', 'integer', (c) => c.notNull().references('items.id'))
        .addColumn('label', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

const logger = createLogger({ level: 'silent' });
const ROWS = 40_000;

for (const dialect of testDialects) {
  describe(`Store on ${dialect}`, () => {
    let database: TestDatabase;
    let service: Service;
    let store: Store<Database>;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      service = new Service({ name: 'store-test', logger });
      store = createStore<Database>({ ...database.options, migrations });
      service.add(store);
      await service.start();
    });
    afterAll(async () => {
      await service.stop();
      await database.drop();
    });

    it('opens the selected dialect and runs migrations once', async () => {
      expect(store.dialect).toBe(dialect);
      expect(store.connection.dialect).toBe(dialect);
      if (dialect === 'sqlite') {
        expect(store.connection.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(store.connection.sqlite?.pragma('busy_timeout', { simple: true })).toBe(5000);
        expect(store.connection.location.startsWith(database.dataDir)).toBe(true);
      } else {
        expect(store.connection.pool?.options).toMatchObject({
          max: 10,
          idleTimeoutMillis: 30_000,
          connectionTimeoutMillis: 5_000,
        });
        const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(store.db);
        expect(rows[0]?.statement_timeout).toBe('30s');
      }
      const applied = await sql<{ name: string }>`select name from keel_migration order by name`.execute(store.db);
      expect(applied.rows.map((r) => r.name)).toEqual(['001_items', '002_tags']);
      // A second store on the same database finds nothing left to apply.
      const again = new Service({ name: 'again', logger });
      const second = createStore<Database>({ ...database.options, migrations });
      again.add(second);
      await again.start();
      await again.stop();
    });

    it('registers a readiness check', async () => {
      const report = await service.health.run();
      expect(report.checks.database).toMatchObject({ status: 'up', critical: true });
    });

    it('commits a transaction, and rolls it back when the work throws', async () => {
      await store.transaction((trx) => trx.insertInto('items').values({ id: 1, name: 'one', qty: 1 }).execute());
      await expect(
        store.transaction(async (trx) => {
          await trx.insertInto('items').values({ id: 2, name: 'two', qty: 2 }).execute();
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      const names = await store.db.selectFrom('items').select('name').execute();
      expect(names).toEqual([{ name: 'one' }]);
    });

    it('recognises unique and foreign key violations on both dialects', async () => {
      const duplicate = await store.db
        .insertInto('items')
        .values({ id: 3, name: 'one', qty: 1 })
        .execute()
        .catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate)).toBe(true);
      expect(isForeignKeyViolation(duplicate)).toBe(false);
      const orphan = await store.db
        .insertInto('tags')
        .values({ id: 1, item_id: 999, label: 'x' })
        .execute()
        .catch((e: unknown) => e);
      expect(isForeignKeyViolation(orphan)).toBe(true);
      expect(isUniqueViolation(new Error('x'))).toBe(false);
      await store.db.deleteFrom('items').execute();
    });

    it(`inserts, updates and gets ${ROWS} rows, past one statement's parameter limit`, async () => {
      const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, qty: i }));
      expect(await insertMany(store.db, 'items', rows)).toBe(ROWS);
      const count = await store.db
        .selectFrom('items')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(ROWS);

      const changes = rows.map((row) => ({ id: row.id, qty: row.qty * 2, note: row.id % 2 === 0 ? 'even' : null }));
      expect(await updateMany(store.db, 'items', 'id', changes)).toBe(ROWS);

      const ids = [ROWS, 5, 1, 999_999, 5, 20_001];
      const found = await getManyByIds(store.db, 'items', ids);
      expect(found.map((r) => r.id)).toEqual([ROWS, 5, 1, 5, 20_001]);
      expect(found[0]).toEqual({ id: ROWS, name: `item ${ROWS}`, qty: (ROWS - 1) * 2, note: 'even' });
      expect(found[2]).toEqual({ id: 1, name: 'item 1', qty: 0, note: null });
      const all = await getManyByIds(
        store.db,
        'items',
        rows.map((r) => r.id),
      );
      expect(all).toHaveLength(ROWS);
      expect(all.every((row, i) => row.qty === i * 2)).toBe(true);
    });

    it('keeps batch writes atomic and usable inside a transaction', async () => {
      const before = await store.db.selectFrom('items').select('id').where('id', '>', ROWS).execute();
      expect(before).toEqual([]);
      const clash = Array.from({ length: 50 }, (_, i) => ({ id: ROWS + 1 + i, name: `new ${i}`, qty: 0 }));
      clash.push({ id: ROWS + 100, name: 'item 1', qty: 0 });
      await expect(insertMany(store.db, 'items', clash, { chunkSize: 10 })).rejects.toSatisfy(isUniqueViolation);
      expect(await store.db.selectFrom('items').select('id').where('id', '>', ROWS).execute()).toEqual([]);

      await expect(
        store.transaction(async (trx) => {
          await insertMany(trx, 'items', [{ id: ROWS + 1, name: 'inside', qty: 1 }]);
          await updateMany(trx, 'items', 'id', [{ id: ROWS + 1, qty: 7 }]);
          throw new Error('roll back both');
        }),
      ).rejects.toThrow('roll back both');
      expect(await getManyByIds(store.db, 'items', [ROWS + 1])).toEqual([]);
      await store.transaction(async (trx) => {
        await insertMany(trx, 'items', [{ id: ROWS + 1, name: 'inside', qty: 1 }]);
        expect(
          await updateMany(trx, 'items', 'id', [
            { id: ROWS + 1, qty: 7 },
            { id: -1, qty: 1 },
          ]),
        ).toBe(1);
      });
      expect((await getManyByIds(store.db, 'items', [ROWS + 1]))[0]?.qty).toBe(7);
    });

    it('rejects bad batch input with typed errors', async () => {
      await expect(updateMany(store.db, 'items', 'id', [{ qty: 1 }])).rejects.toBeInstanceOf(KeelError);
      expect(() => chunk([1, 2], 0)).toThrow(KeelError);
      expect(chunk([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
      expect(await insertMany(store.db, 'items', [])).toBe(0);
      expect(await getManyByIds(store.db, 'items', [])).toEqual([]);
    });
  });
}

describe('Store failures', () => {
  it('rejects a failed start with a clear error and a failed check when the database goes away', async () => {
    const service = new Service({ name: 'closed', logger });
    service.add(createStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/nothing', connectTimeoutMs: 1000 }));
    const error = await service.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/postgres database "nothing".*ECONNREFUSED/);
    expect(service.state).toBe('stopped');
  });

  it('stops with a failed migration and no half-open pool', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const store = createStore({
        ...database.options,
        migrations: {
          '001_bad': {
            async up(db: Kysely<unknown>) {
              await sql`create table broken (`.execute(db);
            },
          },
        },
      });
      const service = new Service({ name: 'bad-migration', logger });
      service.add(store);
      await expect(service.start()).rejects.toThrow(/could not open.*syntax/);
      expect(() => store.db).toThrow(UnavailableError);
    } finally {
      await database.drop();
    }
  });

  it('reports a down readiness check', async () => {
    const database = await createTestDatabase('sqlite');
    const health = new HealthRegistry();
    const service = new Service({ name: 'check', logger, health });
    const store = createStore(database.options);
    service.add(store);
    await service.start();
    store.connection.sqlite?.close();
    expect((await health.run()).checks.database).toMatchObject({ status: 'down', critical: true });
    await service.stop();
    await database.drop();
  });
});
