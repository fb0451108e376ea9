import { Migrator, sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Service } from '../service/index.js';
import { type Kysely, Store } from '../store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineJob } from './define-job.js';
import { jobMigrations } from './schema.js';
import { startQueue } from './test/harness.js';

const note = defineJob({ name: 'note', payload: z.object({ n: z.number() }), handler: async ({ n }) => n });

async function migrationNames(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from keel_job_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

for (const dialect of testDialects) {
  describe(`job tables on ${dialect}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('carry on in a database the queue migrated with its own Migrator before (same record tables)', async () => {
      // What earlier versions ran at start: a Kysely Migrator on keel_job_migration(_lock).
      const service = new Service({ name: 'old', logger: pino({ level: 'silent' }) });
      const store = new Store<unknown>(database.options);
      service.add(store);
      await service.start();
      const db = store.db as Kysely<unknown>;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => jobMigrations(dialect) },
        migrationTableName: 'keel_job_migration',
        migrationLockTableName: 'keel_job_migration_lock',
      });
      const { error } = await migrator.migrateToLatest();
      expect(error).toBeUndefined();
      await sql`insert into keel_job (id, queue, type, state, payload, run_at, max_attempts, created_at)
        values ('01890000-0000-7000-8000-000000000001', 'default', 'note', 'waiting', '{"n":1}', 0, 5, 0)`.execute(db);
      await service.stop();

      const h = await startQueue(database, { types: [note] });
      try {
        expect(await migrationNames(h.store.db as Kysely<unknown>)).toEqual([
          '0001_keel_job',
          '0002_keel_job_lean_indexes',
        ]);
        // The job stored before runs.
        await eventually(async () => (await h.jobs.get('01890000-0000-7000-8000-000000000001'))?.state === 'completed');
      } finally {
        await h.service.stop();
      }
      // And a restart applies nothing again.
      const again = await startQueue(database, { types: [note] });
      try {
        expect(await migrationNames(again.store.db as Kysely<unknown>)).toEqual([
          '0001_keel_job',
          '0002_keel_job_lean_indexes',
        ]);
        const { id } = await again.jobs.enqueue(note, { n: 2 });
        await eventually(async () => (await again.jobs.get(id))?.result === 2);
      } finally {
        await again.service.stop();
      }
    });
  });
}
