import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ConflictError, NotFoundError, UsageError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import type { StoreConnectionOptions } from '../store/index.js';
import { BackupCorruptError } from './errors.js';
import { digestFile, publish, temporaryPathFor } from './files.js';
import { type BackupEntry, readManifest, updateManifest } from './manifest.js';
import { backupFileName, parseBackupFileName } from './names.js';
import { registerBackupObservability } from './observability.js';
import {
  type BackupsOptions,
  connectionSchema,
  type ResolvedBackupsOptions,
  resolveBackupsOptions,
} from './options.js';
import {
  dumpPostgres,
  listDump,
  postgresHoldsData,
  postgresSessions,
  restorePostgres,
  serverMajor,
} from './postgres.js';
import type { ProgressListener } from './progress.js';
import { applyRetention, type RetentionPolicy, resolveRetention, retentionSchema } from './retention.js';
import { type DatabaseLocation, describeLocation, locationFromConnection, locationFromStore } from './source.js';
import { backupSqlite, checkSqliteIntegrity, sqliteHoldsData, sqliteInUse } from './sqlite.js';
import { restoreSqlite } from './sqlite-restore.js';

/**
 * Options of {@link Backups.create}.
 *
 * @example
 * ```ts
 * await backups.create({ signal: AbortSignal.timeout(600_000), onProgress: ({ done, total }) => log(done, total) });
 * ```
 */
export interface CreateBackupOptions {
  /** Called as the copy advances. Default: none. */
  onProgress?: ProgressListener;
  /** Aborts the copy; the partial file is removed. Default: none. */
  signal?: AbortSignal;
}

/**
 * What {@link Backups.verify} checked.
 *
 * @example
 * ```ts
 * const { file, checks }: VerifyResult = await backups.verify(); // checks: ['sha256', 'integrity_check']
 * ```
 */
export interface VerifyResult {
  file: string;
  /** The checks passed, in order, e.g. `['sha256', 'integrity_check']`. */
  checks: string[];
}

/**
 * Options of {@link Backups.restore}.
 *
 * @example
 * ```ts
 * await backups.restore('latest', { target: { databaseUrl: 'postgres://localhost/planner_copy' }, force: true });
 * ```
 */
export interface RestoreOptions {
  /** The database to restore into. Default: the database this instance backs up. */
  target?: StoreConnectionOptions;
  /** Restore even into a database that holds data or that a running service has open. Default: `false`. */
  force?: boolean;
  /** Called as the copy advances (SQLite). Default: none. */
  onProgress?: ProgressListener;
  /** Aborts the restore before the swap. Default: none. */
  signal?: AbortSignal;
}

/**
 * What {@link Backups.restore} did.
 *
 * @example
 * ```ts
 * const { file, target }: RestoreResult = await backups.restore('latest', { target: spare });
 * ```
 */
export interface RestoreResult {
  file: string;
  /** The target, as shown in messages (a file path or `PostgreSQL database "name"`). */
  target: string;
}

/**
 * Options of {@link Backups.prune}.
 *
 * @example
 * ```ts
 * const preview = await backups.prune({ dryRun: true, retention: { keepLast: 3 } });
 * ```
 */
export interface PruneOptions {
  /** Overrides the instance's retention for this call. Default: the instance's. */
  retention?: Partial<RetentionPolicy>;
  /** Only report what would be deleted. Default: `false`. */
  dryRun?: boolean;
}

/**
 * What {@link Backups.prune} kept and deleted.
 *
 * @example
 * ```ts
 * const { kept, deleted }: PruneResult = await backups.prune();
 * ```
 */
export interface PruneResult {
  kept: BackupEntry[];
  deleted: BackupEntry[];
}

const progressOptions = { onProgress: option.fn<ProgressListener>().optional() };
const signalOption = { signal: option.instance(AbortSignal, 'an AbortSignal').optional() };
const createSchema = z.object({ ...progressOptions, ...signalOption });
const restoreSchema = z.object({
  target: connectionSchema.optional(),
  force: z.boolean().optional(),
  ...progressOptions,
  ...signalOption,
});
const pruneSchema = z.object({ retention: retentionSchema.optional(), dryRun: z.boolean().optional() });
const fileSchema = z
  .string()
  .refine(
    (file) => file === 'latest' || parseBackupFileName(file) !== undefined,
    'must be "latest" or a name like keel_20250131_020304.db',
  );

/**
 * Backups of the service's database: consistent online copies (SQLite's backup API, `pg_dump`), a
 * checksummed manifest, verification, retention and restore. As a component (named `backups`,
 * started after its store) it also exports the last success as the gauge
 * `keel_backup_last_success_timestamp_seconds` (label `database`) and adds a non-critical
 * readiness check. Bad options and arguments throw a `UsageError`.
 *
 * @example
 * ```ts
 * const backups = createBackups({ store, backupDir: './backups' });
 * service.add(store).add(backups);
 * const entry = await backups.create();
 * await backups.verify(entry.file);
 * ```
 */
export class Backups implements Component {
  readonly name: string;
  readonly dependsOn: readonly string[];
  private readonly options: ResolvedBackupsOptions;
  // The database of `connection`, known at once; with a store, read from it once it has started.
  private readonly fixedSource: DatabaseLocation | undefined;
  private creating: Promise<BackupEntry> | undefined;
  private readonly stopping = new AbortController();

  constructor(options: BackupsOptions) {
    this.options = resolveBackupsOptions(options);
    this.name = this.options.name;
    const { store, connection } = this.options;
    this.dependsOn = store ? [store.name] : [];
    this.fixedSource = connection ? locationFromConnection(connection) : undefined;
  }

  /** The folder of the backups. */
  get backupDir(): string {
    return this.options.backupDir;
  }

  /** The database backed up; known once the store has started (or at once with `connection`). */
  get source(): DatabaseLocation {
    return this.fixedSource ?? locationFromStore(this.options.store!);
  }

  /** Takes a backup now; one at a time per instance (a second call meanwhile is a `conflict`). */
  async create(options: CreateBackupOptions = {}): Promise<BackupEntry> {
    const checked = checkOptions('backups.create', createSchema, options);
    if (this.creating) throw new ConflictError('A backup is already running');
    const signal = checked.signal ? AbortSignal.any([checked.signal, this.stopping.signal]) : this.stopping.signal;
    this.creating = this.take(checked.onProgress, signal);
    try {
      return await this.creating;
    } finally {
      this.creating = undefined;
    }
  }

  /** This database's backups in the manifest, newest first. */
  async list(): Promise<BackupEntry[]> {
    const { database, dialect } = this.source;
    const entries = await readManifest(this.backupDir);
    return entries
      .filter((e) => e.database === database && e.dialect === dialect)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.file.localeCompare(a.file));
  }

  /** When the newest backup of this database completed, if there is one. */
  async lastSuccess(): Promise<Date | undefined> {
    const [newest] = await this.list();
    return newest ? new Date(newest.completedAt) : undefined;
  }

  /**
   * Checks a backup (`latest` by default): its sha256 and size against the manifest, then SQLite's
   * `integrity_check` on the file or `pg_restore --list` on the archive. Throws {@link BackupCorruptError}.
   */
  async verify(file = 'latest'): Promise<VerifyResult> {
    const entry = await this.find('backups.verify', file);
    const path = join(this.backupDir, entry.file);
    if (!existsSync(path)) throw new BackupCorruptError(`${entry.file}: the file is missing`);
    const { sha256, size } = await digestFile(path);
    if (size !== entry.size)
      throw new BackupCorruptError(`${entry.file}: ${size} bytes, the manifest says ${entry.size}`);
    if (sha256 !== entry.sha256) throw new BackupCorruptError(`${entry.file}: sha256 does not match the manifest`);
    if (entry.dialect === 'sqlite') {
      checkSqliteIntegrity(path, entry.file);
      return { file: entry.file, checks: ['sha256', 'integrity_check'] };
    }
    await listDump(path, entry.file, this.tools(), await this.serverMajorOrZero());
    return { file: entry.file, checks: ['sha256', 'pg_restore --list'] };
  }

  /**
   * Restores a verified backup (`latest` or a file name) into `target` (default: this database).
   * Refuses, with a `conflict`, a target that holds data or that a running service has open, unless
   * `force`; Keel's own bookkeeping tables (migrations, jobs, schedules) are not data. SQLite: a new
   * file renamed over the target (restart a service that had it open). PostgreSQL: `pg_restore` in
   * one transaction.
   */
  async restore(file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    const checked = checkOptions('backups.restore', restoreSchema, options);
    const target = checked.target ? locationFromConnection(checked.target, 'backups.restore', 'target') : undefined;
    const { file: name } = await this.verify(checkFile('backups.restore', file));
    const entry = await this.find('backups.restore', name);
    const into = target ?? this.source;
    if (into.dialect !== entry.dialect) {
      throw new UsageError(
        `backups.restore: target ${describeLocation(into)} is a ${into.dialect} database; ${entry.file} is a ${entry.dialect} backup`,
      );
    }
    const shown = describeLocation(into);
    const inUse = into.dialect === 'sqlite' ? sqliteInUse(into.path) : (await postgresSessions(into.url)) > 0;
    const holdsData = into.dialect === 'sqlite' ? await sqliteHoldsData(into.path) : await postgresHoldsData(into.url);
    const reasons = [...(holdsData ? ['it holds data'] : []), ...(inUse ? ['a running service has it open'] : [])];
    if (reasons.length > 0 && !checked.force) {
      throw new ConflictError(`Refusing to restore into ${shown}: ${reasons.join(' and ')}; use --force to replace it`);
    }
    const path = join(this.backupDir, entry.file);
    const signal = checked.signal ? { signal: checked.signal } : {};
    if (into.dialect === 'sqlite') {
      await restoreSqlite(path, into.path, {
        targetInUse: inUse,
        ...signal,
        ...(checked.onProgress ? { onProgress: checked.onProgress } : {}),
      });
    } else {
      await restorePostgres(path, into.url, this.tools(), signal);
    }
    return { file: entry.file, target: shown };
  }

  /** Deletes the backups the retention policy does not keep; only files the manifest knows are touched. */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    const checked = checkOptions('backups.prune', pruneSchema, options);
    const retention = resolveRetention({ ...this.options.retention, ...definedOnly(checked.retention ?? {}) });
    const { database, dialect } = this.source;
    const mine = (e: BackupEntry): boolean => e.database === database && e.dialect === dialect;
    const decide = (entries: BackupEntry[]): PruneResult => {
      const own = entries.filter(mine);
      const { prune } = applyRetention(
        own.map((e) => new Date(e.createdAt)),
        this.options.now(),
        retention,
      );
      const doomed = new Set(prune.map((i) => own[i]!));
      return { kept: own.filter((e) => !doomed.has(e)), deleted: [...doomed] };
    };
    if (checked.dryRun) return decide(await readManifest(this.backupDir));
    let result: PruneResult = { kept: [], deleted: [] };
    await updateManifest(this.backupDir, (entries) => {
      result = decide(entries);
      const deleted = new Set(result.deleted);
      return entries.filter((e) => !deleted.has(e));
    });
    // The manifest forgets them first: a crash now leaves unknown files behind, never dangling entries.
    for (const entry of result.deleted) await rm(join(this.backupDir, entry.file), { force: true });
    return result;
  }

  async start(context: ComponentContext): Promise<void> {
    await mkdir(this.backupDir, { recursive: true });
    registerBackupObservability(
      {
        name: this.name,
        database: this.source.database,
        intervalMs: this.options.intervalMs,
        now: this.options.now,
        lastSuccess: () => this.lastSuccess(),
      },
      context,
    );
    context.logger.info({ backupDir: this.backupDir, database: this.source.database }, 'backups ready');
  }

  async stop(context: StopContext): Promise<void> {
    const running = this.creating;
    if (!running) return;
    const abort = (): void => this.stopping.abort();
    if (context.signal.aborted) abort();
    else context.signal.addEventListener('abort', abort, { once: true });
    try {
      await running;
    } catch {
      context.reportAbandoned('a backup in progress');
    }
  }

  private async take(onProgress: ProgressListener | undefined, signal: AbortSignal): Promise<BackupEntry> {
    const source = this.source;
    await mkdir(this.backupDir, { recursive: true });
    const createdAt = this.options.now();
    const file = backupFileName(source.database, createdAt, source.dialect);
    const finalPath = join(this.backupDir, file);
    if (existsSync(finalPath)) throw new ConflictError(`A backup named ${file} already exists`);
    const temporary = temporaryPathFor(finalPath);
    const progress = onProgress ? { onProgress } : {};
    try {
      let digest: { sha256: string; size: number };
      if (source.dialect === 'sqlite') {
        // The copy's worker thread also digests it, off the service's event loop.
        digest = await backupSqlite(source.path, temporary, {
          pagesPerStep: this.options.pagesPerStep,
          busyTimeoutMs: this.options.busyTimeoutMs,
          signal,
          ...progress,
        });
      } else {
        await dumpPostgres(source.url, temporary, this.tools(), { signal, ...progress });
        digest = await digestFile(temporary);
      }
      const { sha256, size } = digest;
      await publish(temporary, finalPath);
      const entry: BackupEntry = {
        file,
        database: source.database,
        dialect: source.dialect,
        createdAt: createdAt.toISOString(),
        completedAt: this.options.now().toISOString(),
        size,
        sha256,
      };
      await updateManifest(this.backupDir, (entries) => [...entries.filter((e) => e.file !== file), entry]);
      return entry;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  private async find(what: string, file: string): Promise<BackupEntry> {
    checkFile(what, file);
    const entries = await this.list();
    const entry = file === 'latest' ? entries[0] : entries.find((e) => e.file === file);
    if (!entry) {
      throw new NotFoundError(
        file === 'latest'
          ? `There are no backups of "${this.source.database}" in ${this.backupDir}`
          : `${file} is not in the manifest of ${this.backupDir}`,
      );
    }
    return entry;
  }

  private tools(): { pgDump: string; pgRestore: string } {
    return { pgDump: this.options.pgDumpPath, pgRestore: this.options.pgRestorePath };
  }

  // pg_restore --list needs no server: if it is unreachable, any installed pg_restore will do.
  private async serverMajorOrZero(): Promise<number> {
    const source = this.source;
    if (source.dialect !== 'postgres') return 0;
    return serverMajor(source.url).catch(() => 0);
  }
}

// A file argument is "latest" or a backup's own name: never a path.
function checkFile(what: string, file: string): string {
  const parsed = fileSchema.safeParse(file);
  if (!parsed.success) throw new UsageError(`${what}: file ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return file;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Creates the {@link Backups} component of a store's database, or, with `connection`, of a
 * database no running store holds (the `keel backup` CLI).
 *
 * @example
 * ```ts
 * const backups = createBackups({ store, ...backupsOptionsFromConfig(config) });
 * service.add(store).add(backups);
 * ```
 */
export function createBackups(options: BackupsOptions): Backups {
  return new Backups(options);
}
