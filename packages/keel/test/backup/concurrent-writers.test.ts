import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackups } from '../../src/backup/index.js';
import { eventually } from '../../src/testing/eventually.js';

const WRITER = fileURLToPath(new URL('./fixtures/writer.mjs', import.meta.url));
const WRITERS = 4;

describe('a SQLite backup while four processes write', () => {
  let dir: string;
  let writers: { child: ChildProcess; output: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-backup-writers-'));
    const db = new Database(join(dir, 'keel.db'));
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE write_log (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL);
             CREATE UNIQUE INDEX write_log_writer_seq ON write_log (writer, seq);
             CREATE TABLE writer_counter (writer INTEGER PRIMARY KEY, n INTEGER NOT NULL);`);
    const seed = db.prepare('INSERT INTO write_log (writer, seq, payload) VALUES (0, ?, ?)');
    // About 20 MB of existing rows, so the copy takes many steps while the writers run.
    db.transaction(() => {
      for (let i = 1; i <= 100_000; i++) seed.run(i, 'seed row '.repeat(20));
      for (let w = 0; w <= WRITERS; w++) db.prepare('INSERT INTO writer_counter VALUES (?, 0)').run(w);
      db.prepare('UPDATE writer_counter SET n = 100000 WHERE writer = 0').run();
    })();
    db.close();
  });

  afterAll(async () => {
    for (const { child } of writers) if (child.exitCode === null) child.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores to a database that passes integrity_check and holds a consistent prefix of the writes', async () => {
    const stopFile = join(dir, 'stop');
    writers = Array.from({ length: WRITERS }, (_, i) => {
      const child = spawn(process.execPath, [WRITER, join(dir, 'keel.db'), String(i + 1), stopFile], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const writer = { child, output: '' };
      child.stdout!.on('data', (chunk: Buffer) => {
        writer.output += chunk.toString();
      });
      return writer;
    });
    await Promise.all(writers.map((w) => eventually(() => w.output.includes('ready'), { intervalMs: 10 })));

    // The copy yields between steps: a chain of setImmediate callbacks keeps pace with the steps.
    let turns = 0;
    let copying = true;
    const turn = (): void => {
      turns += 1;
      if (copying) setImmediate(turn);
    };
    setImmediate(turn);
    const backups = createBackups({ connection: { dataDir: dir }, backupDir: join(dir, 'backups'), pagesPerStep: 32 });
    let steps = 0;
    const entry = await backups.create({
      onProgress: () => {
        steps += 1;
      },
    });
    copying = false;

    await writeFile(stopFile, '');
    const finals = await Promise.all(
      writers.map(async (w) => {
        if (w.child.exitCode === null) await once(w.child, 'exit');
        return Number(/done (\d+)/.exec(w.output)?.[1]);
      }),
    );

    expect(steps).toBeGreaterThan(100);
    expect(turns).toBeGreaterThan(steps / 2);
    await backups.verify(entry.file);
    const target = join(dir, 'restored', 'keel.db');
    await backups.restore(entry.file, { target: { dataDir: join(dir, 'restored') } });

    const restored = new Database(target, { readonly: true });
    try {
      expect(restored.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      const rows = restored
        .prepare(
          `SELECT c.writer, c.n, count(l.id) AS rows, coalesce(min(l.seq), 0) AS first, coalesce(max(l.seq), 0) AS last
           FROM writer_counter c LEFT JOIN write_log l ON l.writer = c.writer GROUP BY c.writer ORDER BY c.writer`,
        )
        .all() as { writer: number; n: number; rows: number; first: number; last: number }[];
      expect(rows[0]).toEqual({ writer: 0, n: 100_000, rows: 100_000, first: 1, last: 100_000 });
      for (const [i, row] of rows.slice(1).entries()) {
        // A prefix: rows 1..n with no gap, and the counter committed with them, never ahead or behind.
        expect(row.rows).toBe(row.n);
        expect(row.last).toBe(row.rows);
        expect(row.rows === 0 || row.first === 1).toBe(true);
        expect(row.rows).toBeGreaterThan(0);
        expect(row.rows).toBeLessThan(finals[i]!);
      }
    } finally {
      restored.close();
    }
  }, 60_000);
});
