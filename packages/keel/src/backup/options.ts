import { z } from 'zod';
import { ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { StoreConnectionOptions } from '../store/index.js';
import { type RetentionPolicy, resolveRetention } from './retention.js';
import type { BackupStore } from './source.js';

/** Options of {@link createBackups}. */
export interface BackupsOptions {
  /**
   * The store whose database to back up (its connection is read once it has started).
   * Default: none; then `connection`, else the service's component named `storeName`, found at start.
   */
  store?: BackupStore;
  /** Connection settings of the database to back up, as the store takes them (for the CLI). Default: none. */
  connection?: StoreConnectionOptions;
  /** Folder of the backup files and their `manifest.json`. Default: `./backups`. */
  backupDir?: string;
  /** Which backups `prune` keeps. Default: {@link defaultRetention} (7 newest, 7 daily, 4 weekly, 6 monthly). */
  retention?: Partial<RetentionPolicy>;
  /** How often backups are expected; readiness is degraded once the last success is older than twice this (ms). Default: 86400000 (a day). */
  intervalMs?: number;
  /** SQLite pages copied per step (4 KiB pages: 1 MiB per step) by the copy's worker thread, which rests between steps. Default: 256. */
  pagesPerStep?: number;
  /** How long a SQLite backup waits for a writer's lock before it starts (ms). Default: 5000. */
  busyTimeoutMs?: number;
  /** The `pg_dump` program. Default: `pg_dump` on the `PATH`. */
  pgDumpPath?: string;
  /** The `pg_restore` program. Default: `pg_restore` on the `PATH`. */
  pgRestorePath?: string;
  /** Component name. Default: `backups`. */
  name?: string;
  /** The store component to find at start when neither `store` nor `connection` is given. Default: `store`. */
  storeName?: string;
  /** The clock, for file names and readiness. Default: `() => new Date()`. */
  now?: () => Date;
}

/** {@link BackupsOptions} with every default filled in. */
export interface ResolvedBackupsOptions {
  store: BackupStore | undefined;
  connection: StoreConnectionOptions | undefined;
  backupDir: string;
  retention: RetentionPolicy;
  intervalMs: number;
  pagesPerStep: number;
  busyTimeoutMs: number;
  pgDumpPath: string;
  pgRestorePath: string;
  name: string;
  storeName: string;
  now: () => Date;
}

const schema = z.object({
  backupDir: z.string().min(1).default('./backups'),
  intervalMs: z.number().int().positive().default(86_400_000),
  pagesPerStep: z.number().int().min(1).max(0x7fffffff).default(256),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
  pgDumpPath: z.string().min(1).default('pg_dump'),
  pgRestorePath: z.string().min(1).default('pg_restore'),
  name: z.string().min(1).default('backups'),
  storeName: z.string().min(1).default('store'),
  now: z.custom<() => Date>((value) => typeof value === 'function', 'must be a function').optional(),
  store: z
    .object({ name: z.string(), dialect: z.enum(['sqlite', 'postgres']) })
    .loose()
    .optional(),
  connection: z.object({ databaseUrl: z.string().optional(), dataDir: z.string().optional() }).loose().optional(),
  retention: z.record(z.string(), z.unknown()).optional(),
});

/** Checks `options` and fills in defaults; throws {@link ValidationError} listing every bad field. */
export function resolveBackupsOptions(options: BackupsOptions): ResolvedBackupsOptions {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, 'options'));
  const { data } = parsed;
  return {
    store: options.store,
    connection: options.connection,
    backupDir: data.backupDir,
    retention: resolveRetention(options.retention),
    intervalMs: data.intervalMs,
    pagesPerStep: data.pagesPerStep,
    busyTimeoutMs: data.busyTimeoutMs,
    pgDumpPath: data.pgDumpPath,
    pgRestorePath: data.pgRestorePath,
    name: data.name,
    storeName: data.storeName,
    now: options.now ?? (() => new Date()),
  };
}
