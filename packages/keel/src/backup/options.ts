import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import { Store, type StoreConnectionOptions } from '../store/index.js';
import { type RetentionPolicy, resolveRetention, retentionSchema } from './retention.js';

// Backups copy the whole database, whatever the store's schema type says.
// biome-ignore lint/suspicious/noExplicitAny: a store of any schema
type AnyStore = Store<any>;

/**
 * Options of {@link createBackups}: the database to back up (a `store`, or a `connection` for a
 * process without a running service), where the files go and how long they are kept.
 *
 * @example
 * ```ts
 * const options: BackupsOptions = { store, backupDir: '/var/backups/planner', retention: { keepMonthly: 12 } };
 * ```
 */
export interface BackupsOptions {
  /**
   * The store whose database to back up; its connection is read once it has started, and the
   * backups component starts after it. Give `store` or `connection`, not both.
   */
  store?: AnyStore;
  /**
   * Connection settings of the database to back up, as the store takes them, for a process
   * without a running store (the `keel backup` CLI). Give `store` or `connection`, not both.
   */
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
  /** The clock, for file names (second resolution), pruning and readiness. Default: `() => new Date()`. */
  now?: () => Date;
}

/** {@link BackupsOptions} with every default filled in. */
export interface ResolvedBackupsOptions {
  store: AnyStore | undefined;
  connection: StoreConnectionOptions | undefined;
  backupDir: string;
  retention: RetentionPolicy;
  intervalMs: number;
  pagesPerStep: number;
  busyTimeoutMs: number;
  pgDumpPath: string;
  pgRestorePath: string;
  name: string;
  now: () => Date;
}

/** The connection settings a backup reads (the store's other settings are let through unread). */
export const connectionSchema = z
  .object({
    databaseUrl: option.databaseUrl().optional(),
    dataDir: z.string().min(1).optional(),
    filename: z
      .string()
      .min(1)
      .refine((name) => name !== ':memory:', 'an in-memory database cannot be backed up')
      .optional(),
  })
  .loose();

const schema = z
  .object({
    store: option.instance(Store, 'a Store (createStore)').optional(),
    connection: connectionSchema.optional(),
    backupDir: z.string().min(1).default('./backups'),
    retention: retentionSchema.optional(),
    intervalMs: option.positiveDurationMs().default(86_400_000),
    pagesPerStep: option.count().max(0x7fffffff, 'must be at most 2147483647').default(256),
    busyTimeoutMs: option.durationMs().default(5000),
    pgDumpPath: z.string().min(1).default('pg_dump'),
    pgRestorePath: z.string().min(1).default('pg_restore'),
    name: option.name().default('backups'),
    now: option.fn<() => Date>().optional(),
  })
  .loose();

/** Checks `options` and fills in defaults; throws a {@link UsageError} listing every bad option. */
export function resolveBackupsOptions(options: BackupsOptions): ResolvedBackupsOptions {
  const data = checkOptions('createBackups', schema, options);
  if (data.store && data.connection) throw new UsageError('createBackups: give store or connection, not both');
  if (!data.store && !data.connection) {
    throw new UsageError('createBackups: store is required (or connection, for a process without a running store)');
  }
  return {
    store: data.store,
    connection: options.connection,
    backupDir: data.backupDir,
    retention: resolveRetention(data.retention),
    intervalMs: data.intervalMs,
    pagesPerStep: data.pagesPerStep,
    busyTimeoutMs: data.busyTimeoutMs,
    pgDumpPath: data.pgDumpPath,
    pgRestorePath: data.pgRestorePath,
    name: data.name,
    now: data.now ?? (() => new Date()),
  };
}
