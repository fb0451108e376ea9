import { existsSync } from 'node:fs';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../service/index.js';
import type { Store } from '../store/index.js';
import { createTestDatabase, type TestDatabase, testDialects } from '../testing/test-database.js';
import { type Backups, createBackups } from './backups.js';
import { MANIFEST_FILE, readManifest } from './manifest.js';
import { startSeedStore } from './test/harness.js';
import { type SeedDatabase, seedRows } from './test/seed.js';
import { digestTables } from './test/table-digest.js';

for (const dialect of testDialects) {
  describe(`backups on ${dialect}`, () => {
    let source: TestDatabase;
    let spare: TestDatabase;
    let service: Service;
    let store: Store<SeedDatabase>;
    let backups: Backups;
    let clock = Date.now();
    // Each backup a second later than the last: names have second resolution.
    const tick = (): Date => {
      clock += 1000;
      return new Date(clock);
    };

    beforeAll(async () => {
      source = await createTestDatabase(dialect);
      spare = await createTestDatabase(dialect);
      ({ service, store } = await startSeedStore(source));
      await seedRows(store.db, 1500);
      backups = createBackups({ store, backupDir: join(source.dataDir, 'backups'), now: tick, pagesPerStep: 8 });
    });

    afterAll(async () => {
      await service?.stop();
      await source?.drop();
      await spare?.drop();
    });

    it('writes <database>_YYYYMMDD_HHMMSS.<ext> with its sha256 and size in the manifest', async () => {
      const progress: number[] = [];
      const entry = await backups.create({ onProgress: (p) => progress.push(p.done) });
      const database = dialect === 'sqlite' ? 'keel' : source.databaseUrl!.split('/').pop();
      expect(entry.file).toMatch(new RegExp(`^${database}_\\d{8}_\\d{6}\\.${dialect === 'sqlite' ? 'db' : 'dump'}$`));
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
      const files = await readdir(backups.backupDir);
      expect(files.sort()).toEqual([entry.file, MANIFEST_FILE].sort());
      expect(await readManifest(backups.backupDir)).toEqual([entry]);
      expect(await backups.list()).toEqual([entry]);
      if (dialect === 'sqlite') expect(progress.length).toBeGreaterThan(2);
    });

    it('verifies the checksum, then the database check', async () => {
      const result = await backups.verify();
      expect(result.checks).toEqual(['sha256', dialect === 'sqlite' ? 'integrity_check' : 'pg_restore --list']);
    });

    it('restores into an empty database, equal to its source row for row', async () => {
      const result = await backups.restore('latest', { target: spare.options });
      expect(result.file).toBe((await backups.list())[0]!.file);
      const [expected, actual] = await Promise.all([digestTables(source.options), digestTables(spare.options)]);
      expect(actual.customer?.rows).toBe(1500);
      expect(actual.purchase?.rows).toBe(4500);
      expect(actual).toEqual(expected);
    });

    it('refuses a target that holds data, or the live database, unless forced', async () => {
      await expect(backups.restore('latest', { target: spare.options })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/^Refusing to restore into .*: it holds data; use --force to replace it$/),
      });
      await expect(backups.restore('latest')).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('it holds data and a running service has it open'),
      });
      const before = await digestTables(spare.options);
      await seedRows(store.db, 10, 10_000);
      await backups.create();
      await backups.restore('latest', { target: spare.options, force: true });
      const after = await digestTables(spare.options);
      expect(after.customer?.rows).toBe(1510);
      expect(after).not.toEqual(before);
      expect(after).toEqual(await digestTables(source.options));
    });

    it('detects a tampered file, a missing file and an unknown name', async () => {
      const entry = await backups.create();
      await appendFile(join(backups.backupDir, entry.file), 'x');
      await expect(backups.verify(entry.file)).rejects.toMatchObject({
        code: 'backup_corrupt',
        message: `${entry.file}: ${entry.size + 1} bytes, the manifest says ${entry.size}`,
      });
      await expect(backups.restore(entry.file, { target: spare.options, force: true })).rejects.toMatchObject({
        code: 'backup_corrupt',
      });
      await expect(backups.verify('keel_20000101_000000.db')).rejects.toMatchObject({ code: 'not_found' });
      await expect(backups.verify('../../etc/passwd')).rejects.toMatchObject({
        code: 'usage',
        message: 'backups.verify: file must be "latest" or a name like keel_20250131_020304.db',
      });
    });

    it('takes one backup at a time', async () => {
      const first = backups.create();
      await expect(backups.create()).rejects.toMatchObject({
        code: 'conflict',
        message: 'A backup is already running',
      });
      await first;
    });

    it('prunes only files the manifest knows', async () => {
      const stranger = join(backups.backupDir, 'keel_20000101_000000.db');
      await writeFile(stranger, 'not ours');
      const listed = await backups.list();
      const result = await backups.prune({ retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } });
      expect(result.kept).toEqual([listed[0]]);
      expect(result.deleted.map((e) => e.file).sort()).toEqual(
        listed
          .slice(1)
          .map((e) => e.file)
          .sort(),
      );
      for (const e of result.deleted) expect(existsSync(join(backups.backupDir, e.file))).toBe(false);
      expect(existsSync(stranger)).toBe(true);
      expect(await backups.list()).toEqual([listed[0]]);
    });

    it('refuses a target of the other dialect as a misuse', async () => {
      const other = dialect === 'sqlite' ? { databaseUrl: 'postgres://localhost/nowhere' } : { dataDir: spare.dataDir };
      await expect(backups.restore('latest', { target: other, force: true })).rejects.toMatchObject({
        code: 'usage',
        message: expect.stringMatching(/^backups\.restore: target .* is a \w+ database; .* is a \w+ backup$/),
      });
    });

    it('rejects bad options and arguments from code with a UsageError (500)', async () => {
      const usage = (message: string | RegExp) =>
        expect.objectContaining({
          code: 'usage',
          status: 500,
          message: typeof message === 'string' ? message : expect.stringMatching(message),
        });
      expect(() => createBackups({ store, pagesPerStep: 0 })).toThrow(
        usage('createBackups: pagesPerStep must be 1 or more'),
      );
      expect(() => createBackups({ store, retention: { keepWeekly: -2 } })).toThrow(
        usage('createBackups: retention.keepWeekly must be a non-negative integer'),
      );
      expect(() => createBackups({ store, intervalMs: 1.5, name: '' })).toThrow(
        usage(/^createBackups: intervalMs must be a whole number of ms; name must be 1-128/),
      );
      expect(() => createBackups({ connection: { dataDir: '.', filename: ':memory:' } })).toThrow(
        usage(/in-memory database cannot be backed up/),
      );
      expect(() => createBackups({ connection: { databaseUrl: 'mysql://x/y' } })).toThrow(
        usage('createBackups: connection.databaseUrl must be a postgres:// URL'),
      );
      expect(() => createBackups({ store: { name: 'store', dialect: 'sqlite' } as never })).toThrow(
        usage('createBackups: store must be a Store (createStore)'),
      );
      expect(() => createBackups({})).toThrow(usage(/^createBackups: store is required/));
      expect(() => createBackups({ store, connection: { dataDir: '.' } })).toThrow(
        usage('createBackups: give store or connection, not both'),
      );
      await expect(backups.prune({ retention: { keepLast: -1 } })).rejects.toMatchObject(
        usage('backups.prune: retention.keepLast must be a non-negative integer'),
      );
      await expect(backups.prune({ dryRun: 'yes' as never })).rejects.toMatchObject(usage(/^backups\.prune: dryRun /));
      await expect(backups.restore('latest', { force: 1 as never })).rejects.toMatchObject(
        usage(/^backups\.restore: force /),
      );
      await expect(backups.restore('latest', { target: { dataDir: '.', filename: ':memory:' } })).rejects.toMatchObject(
        usage('backups.restore: target.filename an in-memory database cannot be backed up'),
      );
      await expect(backups.restore('/etc/passwd')).rejects.toMatchObject(usage(/^backups\.restore: file must be/));
      await expect(backups.create({ signal: 'stop' as never })).rejects.toMatchObject(
        usage('backups.create: signal must be an AbortSignal'),
      );
    });
  });
}
