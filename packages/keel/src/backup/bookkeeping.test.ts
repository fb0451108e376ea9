import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../service/index.js';
import { bookkeepingTables } from '../store/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/test-database.js';
import { type Backups, createBackups } from './backups.js';
import { postgresHoldsData } from './postgres.js';
import { sqliteHoldsData } from './sqlite.js';
import { startSeedStore } from './test/harness.js';
import { seedRows } from './test/seed.js';

// The tables the jobs queue and the scheduler keep, which the old hard-coded lists missed.
const jobAndScheduleTables = [
  'keel_job',
  'keel_job_migration',
  'keel_job_migration_lock',
  'keel_schedule',
  'keel_schedule_run',
  'keel_schedule_migration',
  'keel_schedule_migration_lock',
];

// Runs SQL on a test database through its own short-lived connection.
async function execute(database: TestDatabase, statements: string[]): Promise<void> {
  if (database.databaseUrl) {
    const client = new pg.Client({ connectionString: database.databaseUrl });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(join(database.dataDir, 'keel.db'));
  try {
    for (const statement of statements) db.exec(statement);
  } finally {
    db.close();
  }
}

function holdsData(database: TestDatabase): Promise<boolean> {
  return database.databaseUrl
    ? postgresHoldsData(database.databaseUrl)
    : sqliteHoldsData(join(database.dataDir, 'keel.db'));
}

describe('the shared list of bookkeeping tables', () => {
  it('names the jobs and schedule tables', () => {
    expect(bookkeepingTables).toEqual(expect.arrayContaining(['keel_migration', ...jobAndScheduleTables]));
  });
});

for (const dialect of testDialects) {
  describe(`Keel's bookkeeping is not data, on ${dialect}`, () => {
    let source: TestDatabase;
    let target: TestDatabase;
    let service: Service;
    let backups: Backups;

    beforeAll(async () => {
      source = await createTestDatabase(dialect);
      target = await createTestDatabase(dialect);
      let store: Awaited<ReturnType<typeof startSeedStore>>['store'];
      ({ service, store } = await startSeedStore(source));
      await seedRows(store.db, 20);
      backups = createBackups({ store, backupDir: join(source.dataDir, 'backups') });
      await backups.create();
      // What a service leaves in a database it only started on: every bookkeeping table, each with a row.
      await execute(
        target,
        bookkeepingTables.flatMap((table) => [
          `CREATE TABLE ${table} (id integer PRIMARY KEY, note text)`,
          `INSERT INTO ${table} (id, note) VALUES (1, 'bookkeeping')`,
        ]),
      );
    });

    afterAll(async () => {
      await service?.stop();
      await source?.drop();
      await target?.drop();
    });

    it('does not count rows in the jobs, schedule and migration tables as data', async () => {
      for (const table of jobAndScheduleTables) {
        expect(bookkeepingTables, table).toContain(table);
      }
      expect(await holdsData(target)).toBe(false);
    });

    it('restores without --force into a database holding only bookkeeping rows', async () => {
      const result = await backups.restore('latest', { target: target.options });
      expect(result.file).toBe((await backups.list())[0]!.file);
    });

    it('still refuses a database where a table of the service holds a row', async () => {
      expect(await holdsData(target)).toBe(true);
      await expect(backups.restore('latest', { target: target.options })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('it holds data'),
      });
    });
  });
}
