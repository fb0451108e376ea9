import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../errors/index.js';
import type { Component, ComponentContext, StopContext } from '../service/index.js';
import type { StoreConnectionOptions } from '../store/index.js';
import { BackupCorruptError } from './errors.js';
import { digestFile, publish, temporaryPathFor } from './files.js';
import { type BackupEntry, readManifest, updateManifest } from './manifest.js';
import { backupFileName, parseBackupFileName } from './names.js';
import { registerBackupObservability } from './observability.js';
import { type BackupsOptions, type ResolvedBackupsOptions, resolveBackupsOptions } from './options.js';
import {
  dumpPostgres,
  listDump,
  postgresHoldsData,
  postgresSessions,
  restorePostgres,
  serverMajor,
} from './postgres.js';
import type { ProgressListener } from './progress.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import {
  type BackupStore,
  type DatabaseLocation,
  describeLocation,
  locationFromConnection,
  locationFromStore,
} from './source.js';
import { backupSqlite, checkSqliteIntegrity, sqliteHoldsData, sqliteInUse } from './sqlite.js';
import { restoreSqlite } from './sqlite-restore.js';

/** Options of {@link Backups.create}. */
export interface CreateBackupOptions {
  /** Called as the copy advances. Default: none. */
  onProgress?: ProgressListener;
  /** Aborts the copy; the partial file is removed. Default: none. */
  signal?: AbortSignal;
}

/** What {@link Backups.verify} checked. */
export interface VerifyResult {
  file: string;
  /** The checks passed, in order, e.g. `['sha256', 'integrity_check']`. */
  checks: string[];
}

/** Options of {@link Backups.restore}. */
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

/** What {@link Backups.restore} did. */
export interface RestoreResult {
  file: string;
  /** The target, as shown in messages (a file path or `PostgreSQL database "name"`). */
  target: string;
}

/** Options of {@link Backups.prune}. */
export interface PruneOptions {
  /** Overrides the instance's retention for this call. Default: the instance's. */
  retention?: Partial<RetentionPolicy>;
  /** Only report what would be deleted. Default: `false`. */
  dryRun?: boolean;
}

/** What {@link Backups.prune} kept and deleted. */
export interface PruneResult {
  kept: BackupEntry[];
  deleted: BackupEntry[];
}

/**
 * Backups of the service's database: consistent online copies (SQLite's backup API, `pg_dump`), a
 * checksummed manifest, verification, retention and restore. As a component (named `backups`, after
 * the store) it also exports the last success as a metric and adds a non-critical readiness check.
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
  /** The options with their defaults filled in. */
  readonly options: ResolvedBackupsOptions;
  private store: BackupStore | undefined;
  private creating: Promise<BackupEntry> | undefined;
  private readonly stopping = new AbortController();

  constructor(options: BackupsOptions = {}) {
    this.options = resolveBackupsOptions(options);
    this.name = this.options.name;
    this.store = this.options.store;
    this.dependsOn = this.options.connection && !this.store ? [] : [this.store?.name ?? this.options.storeName];
  }

  /** The folder of the backups. */
  get backupDir(): string {
    return this.options.backupDir;
  }

  /** The database backed up; known once the store has started (or at once with `connection`). */
  get source(): DatabaseLocation {
    if (this.options.connection && !this.store) return locationFromConnection(this.options.connection);
    if (!this.store) throw new UnavailableError(`The backups component "${this.name}" has no store yet`);
    return locationFromStore(this.store);
  }

  /** Takes a backup now; one at a time per instance (a second call meanwhile is a `conflict`). */
  async create(options: CreateBackupOptions = {}): Promise<BackupEntry> {
    if (this.creating) throw new ConflictError('A backup is already running');
    const signal = options.signal ? AbortSignal.any([options.signal, this.stopping.signal]) : this.stopping.signal;
    this.creating = this.take(options.onProgress, signal);
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
    const entry = await this.find(file);
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
   * `force`. SQLite: a new file renamed over the target (restart a service that had it open).
   * PostgreSQL: `pg_restore` in one transaction.
   */
  async restore(file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    const { file: name } = await this.verify(file);
    const entry = await this.find(name);
    const target = options.target ? locationFromConnection(options.target, 'target') : this.source;
    if (target.dialect !== entry.dialect) {
      throw new ValidationError([
        { location: 'options', path: 'target', message: `${entry.file} is a ${entry.dialect} backup` },
      ]);
    }
    const shown = describeLocation(target);
    const inUse = target.dialect === 'sqlite' ? sqliteInUse(target.path) : (await postgresSessions(target.url)) > 0;
    const holdsData =
      target.dialect === 'sqlite' ? await sqliteHoldsData(target.path) : await postgresHoldsData(target.url);
    const reasons = [...(holdsData ? ['it holds data'] : []), ...(inUse ? ['a running service has it open'] : [])];
    if (reasons.length > 0 && !options.force) {
      throw new ConflictError(`Refusing to restore into ${shown}: ${reasons.join(' and ')}; use --force to replace it`);
    }
    const path = join(this.backupDir, entry.file);
    const signal = options.signal ? { signal: options.signal } : {};
    if (target.dialect === 'sqlite') {
      await restoreSqlite(path, target.path, {
        targetInUse: inUse,
        ...signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    } else {
      await restorePostgres(path, target.url, this.tools(), signal);
    }
    return { file: entry.file, target: shown };
  }

  /** Deletes the backups the retention policy does not keep; only files the manifest knows are touched. */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    const retention = { ...this.options.retention, ...options.retention };
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
    if (options.dryRun) return decide(await readManifest(this.backupDir));
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
    if (!this.store && !this.options.connection) {
      const found = context.get<Component & Partial<BackupStore>>(this.options.storeName);
      if (found.dialect === undefined || !('connection' in found)) {
        throw new ValidationError([
          { location: 'options', path: 'storeName', message: `component "${found.name}" is not a store` },
        ]);
      }
      this.store = found as BackupStore;
    }
    await mkdir(this.backupDir, { recursive: true });
    registerBackupObservability(this, context);
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

  private async find(file: string): Promise<BackupEntry> {
    if (file !== 'latest' && !parseBackupFileName(file)) {
      throw new ValidationError([
        { location: 'options', path: 'file', message: 'must be "latest" or a name like keel_20250131_020304.db' },
      ]);
    }
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

/**
 * Creates the {@link Backups} component.
 *
 * @example
 * ```ts
 * const backups = createBackups({ connection: { databaseUrl: process.env.DATABASE_URL }, backupDir: '/var/backups/planner' });
 * await backups.create();
 * await backups.prune();
 * ```
 */
export function createBackups(options?: BackupsOptions): Backups {
  return new Backups(options);
}
