import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BackupEntry,
  backupConfigSchema,
  backupsOptionsFromConfig,
  createBackups,
  type RetentionPolicy,
} from '../backup/index.js';
import { parseBackupFileName } from '../backup/names.js';
import { baseConfigSchema, loadConfig } from '../config/index.js';
import type { StoreConnectionOptions } from '../store/index.js';
import type { CliCommand, CliIo } from './command.js';
import { CliArgumentError } from './errors.js';
import { progressBar } from './progress-bar.js';

const usage = `Usage: keel backup <create|list|verify|restore|prune> [options]

  create                        take a backup now
  list [--json]                 list this database's backups, newest first
  verify [file|latest] [--all]  check sha256, then integrity_check / pg_restore --list
  restore <file|latest> [--target <postgres-url|sqlite-file>] [--force]
                                restore; refuses a target that holds data or is live unless --force
  prune [--dry-run] [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]
                                delete backups the retention policy does not keep

Environment (or .env): DATABASE_URL (PostgreSQL) or DATA_DIR (SQLite keel.db, default ./data),
BACKUP_DIR (default <DATA_DIR>/backups), BACKUP_KEEP_LAST/DAILY/WEEKLY/MONTHLY (7/7/4/6), PG_DUMP_PATH, PG_RESTORE_PATH.
Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 refused, 5 verification failed, 6 tool missing.
`;

const configSchema = baseConfigSchema.pick({ DATA_DIR: true, DATABASE_URL: true }).extend(backupConfigSchema.shape);

type Subcommand = (args: string[], io: CliIo) => Promise<number>;

/**
 * `keel backup create|list|verify|restore|prune`: the backup operations on the database the service's
 * environment names.
 *
 * @example
 * ```sh
 * npx keel backup create && npx keel backup prune
 * ```
 */
export const backupCommand: CliCommand = {
  name: 'backup',
  summary: 'create, list, verify, restore and prune database backups',
  usage,
  run: async (args, io) => {
    const [sub, ...rest] = args;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      (sub === undefined ? io.stderr : io.stdout).write(usage);
      return sub === undefined ? 2 : 0;
    }
    const run = subcommands[sub];
    if (!run) throw usageError(`unknown subcommand "${sub}"; expected create, list, verify, restore or prune`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(usage);
      return 0;
    }
    return run(rest, io);
  },
};

const subcommands: Record<string, Subcommand> = {
  create: async (args, io) => {
    parse(args, {}, 0);
    const backups = open(io);
    const bar = progressBar(io, 'backup');
    let entry: BackupEntry;
    try {
      entry = await backups.create(bar.onProgress ? { onProgress: bar.onProgress } : {});
    } finally {
      bar.stop();
    }
    io.stdout.write(`created ${entry.file} (${entry.size} bytes, sha256 ${entry.sha256})\n`);
    return 0;
  },
  list: async (args, io) => {
    const { values } = parse(args, { json: { type: 'boolean' } }, 0);
    const entries = await open(io).list();
    if (values.json) io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else for (const e of entries) io.stdout.write(`${e.file}\t${e.createdAt}\t${e.size}\t${e.sha256.slice(0, 12)}\n`);
    return 0;
  },
  verify: async (args, io) => {
    const { values, positionals } = parse(args, { all: { type: 'boolean' } }, 1);
    const backups = open(io);
    const files = values.all ? (await backups.list()).map((e) => e.file) : [backupName(positionals[0] ?? 'latest')];
    for (const file of files) {
      const result = await backups.verify(file);
      io.stdout.write(`ok ${result.file} (${result.checks.join(', ')})\n`);
    }
    return 0;
  },
  restore: async (args, io) => {
    const { values, positionals } = parse(args, { target: { type: 'string' }, force: { type: 'boolean' } }, 1);
    const file = positionals[0];
    if (!file) throw usageError('name the backup to restore, or "latest"');
    backupName(file);
    const target = values.target === undefined ? undefined : targetFrom(values.target, io);
    const backups = open(io);
    const bar = progressBar(io, 'restore');
    try {
      const result = await backups.restore(file, {
        force: values.force === true,
        ...(target ? { target } : {}),
        ...(bar.onProgress ? { onProgress: bar.onProgress } : {}),
      });
      bar.stop();
      io.stdout.write(`restored ${result.file} into ${result.target}\n`);
    } finally {
      bar.stop();
    }
    return 0;
  },
  prune: async (args, io) => {
    const { values } = parse(
      args,
      {
        'dry-run': { type: 'boolean' },
        'keep-last': { type: 'string' },
        'keep-daily': { type: 'string' },
        'keep-weekly': { type: 'string' },
        'keep-monthly': { type: 'string' },
      },
      0,
    );
    const retention: Partial<RetentionPolicy> = {};
    for (const [flag, key] of [
      ['keep-last', 'keepLast'],
      ['keep-daily', 'keepDaily'],
      ['keep-weekly', 'keepWeekly'],
      ['keep-monthly', 'keepMonthly'],
    ] as const) {
      const raw = values[flag];
      if (raw === undefined) continue;
      if (!/^\d+$/.test(raw)) throw usageError('must be a non-negative integer');
      retention[key] = Number(raw);
    }
    const dryRun = values['dry-run'] === true;
    const result = await open(io).prune({ retention, dryRun });
    for (const e of result.deleted) io.stdout.write(`${dryRun ? 'would delete' : 'deleted'} ${e.file}\n`);
    io.stdout.write(`kept ${result.kept.length}, ${dryRun ? 'would delete' : 'deleted'} ${result.deleted.length}\n`);
    return 0;
  },
};

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(args: string[], options: O, maxPositionals: number) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw usageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}

function open(io: CliIo) {
  const envFile = join(io.cwd, '.env');
  const config = loadConfig(configSchema, { env: io.env, envFile: existsSync(envFile) ? envFile : false });
  const connection: StoreConnectionOptions = config.DATABASE_URL
    ? { databaseUrl: config.DATABASE_URL }
    : { dataDir: resolve(io.cwd, config.DATA_DIR) };
  const options = backupsOptionsFromConfig(config);
  return createBackups({
    ...options,
    backupDir: resolve(io.cwd, config.BACKUP_DIR ?? join(config.DATA_DIR, 'backups')),
    connection,
  });
}

function targetFrom(value: string, io: CliIo): StoreConnectionOptions {
  if (/^postgres(ql)?:\/\//.test(value)) {
    if (!URL.canParse(value)) throw usageError('--target must be a postgres:// URL or a SQLite file');
    return { databaseUrl: value };
  }
  if (value === '' || basename(value) === ':memory:') throw usageError('--target must name a SQLite file');
  const path = resolve(io.cwd, value);
  return { dataDir: dirname(path), filename: basename(path) };
}

// "latest" or a backup's own file name, never a path.
function backupName(file: string): string {
  if (file !== 'latest' && !parseBackupFileName(file)) {
    throw usageError(`"${file}" is not a backup: name one like keel_20250131_020304.db, or "latest"`);
  }
  return file;
}

function usageError(message: string): CliArgumentError {
  return new CliArgumentError(`${message} (see keel backup --help)`);
}
