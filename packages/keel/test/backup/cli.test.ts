import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackups } from '../../src/backup/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/test-database.js';

const CLI = fileURLToPath(new URL('../../src/cli/keel.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Runs the CLI as `npx keel` would, from `cwd`, with only the variables given (plus PATH and HOME).
function keel(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function oneLine(run: Run): string {
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  return run.stderr.trim();
}

describe('keel backup (CLI) on SQLite', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'keel-cli-'));
    await mkdir(join(cwd, 'var'));
    // The service's .env names the folders; the CLI reads it from the working directory.
    await writeFile(join(cwd, '.env'), 'DATA_DIR=./var\nBACKUP_DIR=./snapshots\n');
    const db = new Database(join(cwd, 'var', 'keel.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)');
    db.prepare("INSERT INTO note (body) VALUES ('hello')").run();
    db.close();
  });

  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('prints usage and exits 2 without a command, or with an unknown one', async () => {
    const bare = await keel(cwd, []);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: keel <command>');
    const unknown = await keel(cwd, ['launch']);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown)).toBe('keel: unknown command "launch"; run `keel --help`');
    const sub = await keel(cwd, ['backup', 'explode']);
    expect(sub.code).toBe(2);
    expect(oneLine(sub)).toMatch(/^keel: unknown subcommand "explode"/);
    const flag = await keel(cwd, ['backup', 'create', '--colour']);
    expect(flag.code).toBe(2);
    expect(oneLine(flag)).toMatch(/^keel: Unknown option '--colour'/);
  });

  it('creates, lists and verifies a backup', async () => {
    const created = await keel(cwd, ['backup', 'create']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created keel_\d{8}_\d{6}\.db \(\d+ bytes, sha256 [0-9a-f]{64}\)\n$/);
    const file = /created (\S+)/.exec(created.stdout)![1]!;
    expect((await readdir(join(cwd, 'snapshots'))).sort()).toEqual([file, 'manifest.json']);
    const listed = await keel(cwd, ['backup', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ file, database: 'keel', dialect: 'sqlite' })]);
    const verified = await keel(cwd, ['backup', 'verify', file]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toBe(`ok ${file} (sha256, integrity_check)\n`);
  });

  it('refuses to restore over data without --force (exit 4), then restores with it', async () => {
    const refused = await keel(cwd, ['backup', 'restore', 'latest']);
    expect(refused.code).toBe(4);
    expect(oneLine(refused)).toBe(
      `keel: Refusing to restore into ${join(cwd, 'var', 'keel.db')}: it holds data; use --force to replace it`,
    );
    const forced = await keel(cwd, ['backup', 'restore', 'latest', '--force']);
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    const db = new Database(join(cwd, 'var', 'keel.db'), { readonly: true });
    expect(db.prepare('SELECT body FROM note').all()).toEqual([{ body: 'hello' }]);
    db.close();
    const elsewhere = await keel(cwd, ['backup', 'restore', 'latest', '--target', 'copy/keel.db']);
    expect(elsewhere.code).toBe(0);
    expect(elsewhere.stdout).toMatch(/restored keel_\d{8}_\d{6}\.db into .*copy\/keel\.db/);
  });

  it('exits 3 for an unknown backup, 2 for a bad name or flag value, 5 for a tampered file', async () => {
    const missing = await keel(cwd, ['backup', 'verify', 'keel_19990101_000000.db']);
    expect(missing.code).toBe(3);
    expect(oneLine(missing)).toMatch(/^keel: keel_19990101_000000\.db is not in the manifest of /);
    const bad = await keel(cwd, ['backup', 'verify', '../../etc/passwd']);
    expect(bad.code).toBe(2);
    expect(oneLine(bad)).toBe(
      'keel: "../../etc/passwd" is not a backup: name one like keel_20250131_020304.db, or "latest" (see keel backup --help)',
    );
    const memory = await keel(cwd, ['backup', 'restore', 'latest', '--target', ':memory:']);
    expect(memory.code).toBe(2);
    expect(oneLine(memory)).toBe('keel: --target must name a SQLite file (see keel backup --help)');
    const otherDialect = await keel(cwd, ['backup', 'restore', 'latest', '--target', 'postgres://127.0.0.1/nowhere']);
    expect(otherDialect.code).toBe(2);
    expect(oneLine(otherDialect)).toMatch(/is a postgres database; keel_\d{8}_\d{6}\.db is a sqlite backup$/);
    const prune = await keel(cwd, ['backup', 'prune', '--keep-last', 'many']);
    expect(prune.code).toBe(2);
    expect(oneLine(prune)).toBe('keel: must be a non-negative integer (see keel backup --help)');
    const [file] = (await readdir(join(cwd, 'snapshots'))).filter((f) => f.endsWith('.db'));
    await appendFile(join(cwd, 'snapshots', file!), 'garbage');
    const corrupt = await keel(cwd, ['backup', 'verify', '--all']);
    expect(corrupt.code).toBe(5);
    expect(oneLine(corrupt)).toMatch(
      new RegExp(`^keel: ${file!.replace('.', '\\.')}: \\d+ bytes, the manifest says \\d+$`),
    );
  });

  it('prunes what the policy does not keep', async () => {
    // An older backup beside the CLI's: taken through the library with a clock a day back, so no
    // test waits for the next second of the file names.
    const older = await createBackups({
      connection: { dataDir: join(cwd, 'var') },
      backupDir: join(cwd, 'snapshots'),
      now: () => new Date(Date.now() - 86_400_000),
    }).create();
    const listed = await keel(cwd, ['backup', 'list', '--json']);
    expect(JSON.parse(listed.stdout).map((e: { file: string }) => e.file)).toEqual([
      expect.stringMatching(/^keel_\d{8}_\d{6}\.db$/),
      older.file,
    ]);
    const pruned = await keel(cwd, [
      'backup',
      'prune',
      '--keep-last',
      '1',
      '--keep-daily',
      '0',
      '--keep-weekly',
      '0',
      '--keep-monthly',
      '0',
    ]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toBe(`deleted ${older.file}\nkept 1, deleted 1\n`);
    expect((await readdir(join(cwd, 'snapshots'))).includes(older.file)).toBe(false);
  });
});

describe('keel backup (CLI) on PostgreSQL', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  let cwd: string;

  beforeAll(async () => {
    source = await createTestDatabase('postgres');
    target = await createTestDatabase('postgres');
    cwd = source.dataDir;
    await writeFile(join(cwd, '.env'), `DATABASE_URL=${source.databaseUrl}\n`);
    const client = new pg.Client({ connectionString: source.databaseUrl });
    await client.connect();
    await client.query(
      'CREATE TABLE note (id serial PRIMARY KEY, body text); INSERT INTO note (body) SELECT md5(i::text) FROM generate_series(1, 500) i',
    );
    await client.end();
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('names the package to install when pg_dump is missing (exit 6)', async () => {
    const client = new pg.Client({ connectionString: source.databaseUrl });
    await client.connect();
    const { rows } = await client
      .query<{ server_version_num: string }>('SHOW server_version_num')
      .finally(() => client.end());
    const major = Math.floor(Number(rows[0]!.server_version_num) / 10_000);
    const run = await keel(cwd, ['backup', 'create'], { PG_DUMP_PATH: '/nonexistent/pg_dump' });
    expect(run.code).toBe(6);
    expect(oneLine(run)).toBe(
      `keel: pg_dump was not found (looked for "/nonexistent/pg_dump"); install postgresql-client-${major} or set its path`,
    );
  });

  it('dumps, verifies and restores into another database; refuses it once it holds data', async () => {
    const created = await keel(cwd, ['backup', 'create']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created keel_test_[0-9a-f]+_\d{8}_\d{6}\.dump /);
    expect((await keel(cwd, ['backup', 'verify'])).stdout).toMatch(/\(sha256, pg_restore --list\)\n$/);
    const restored = await keel(cwd, ['backup', 'restore', 'latest', '--target', target.databaseUrl!]);
    expect(restored.code).toBe(0);
    const again = await keel(cwd, ['backup', 'restore', 'latest', '--target', target.databaseUrl!]);
    expect(again.code).toBe(4);
    expect(oneLine(again)).toMatch(
      /^keel: Refusing to restore into PostgreSQL database "keel_test_[0-9a-f]+": it holds data/,
    );
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM note');
    await client.end();
    expect(Number(rows[0]!.n)).toBe(500);
  });
});
