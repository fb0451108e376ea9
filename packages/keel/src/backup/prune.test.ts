import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackups } from './backups.js';
import { digestFile } from './files.js';
import { type BackupEntry, MANIFEST_FILE, updateManifest } from './manifest.js';
import { backupFileName } from './names.js';
import { expectedKeep, simulate } from './test/slow-retention.js';

const DAY = 86_400_000;

describe('prune over 400 simulated days of files', () => {
  let dir: string;
  let times: Date[];
  const start = Date.UTC(2024, 0, 10, 0, 0, 0);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-prune-'));
    // Whole seconds, one file each: file names have second resolution.
    times = [...new Set(simulate(42, start).map((t) => Math.floor(t.getTime() / 1000) * 1000))].map((t) => new Date(t));
    const entries: BackupEntry[] = [];
    for (const t of times) {
      const file = backupFileName('keel', t, 'sqlite');
      await writeFile(join(dir, file), `backup taken at ${t.toISOString()}`);
      entries.push({
        file,
        database: 'keel',
        dialect: 'sqlite',
        createdAt: t.toISOString(),
        completedAt: t.toISOString(),
        ...(await digestFile(join(dir, file))),
      });
    }
    await updateManifest(dir, () => entries);
    // Another database's backups and an unlisted file share the folder; prune must leave them alone.
    await updateManifest(dir, (all) => [
      ...all,
      { ...entries[0]!, file: backupFileName('other', times[0]!, 'sqlite'), database: 'other' },
    ]);
    await writeFile(join(dir, backupFileName('other', times[0]!, 'sqlite')), 'other');
    await writeFile(join(dir, 'keel_20230101_000000.db'), 'unlisted');
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('deletes exactly the files the policy does not name', async () => {
    const now = new Date(start + 400.5 * DAY);
    const backups = createBackups({ connection: { dataDir: dir }, backupDir: dir, now: () => now });
    const preview = await backups.prune({ dryRun: true });
    const expected = expectedKeep(times, now, { keepLast: 7, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
    const expectedFiles = [...expected].map((i) => backupFileName('keel', times[i]!, 'sqlite')).sort();
    expect(preview.kept.map((e) => e.file).sort()).toEqual(expectedFiles);
    expect(expectedFiles.length).toBeLessThan(times.length);

    const result = await backups.prune();
    expect(result.kept.map((e) => e.file).sort()).toEqual(expectedFiles);
    const left = (await readdir(dir)).filter((f) => f.startsWith('keel_')).sort();
    expect(left).toEqual(['keel_20230101_000000.db', ...expectedFiles].sort());
    expect(existsSync(join(dir, backupFileName('other', times[0]!, 'sqlite')))).toBe(true);
    expect(existsSync(join(dir, MANIFEST_FILE))).toBe(true);
    expect((await backups.list()).map((e) => e.file).sort()).toEqual(expectedFiles);
  });
});
