/**
 * How far a long copy has come: pages for a SQLite backup, bytes for a dump or a file copy.
 *
 * @example
 * ```ts
 * const show = ({ unit, done, total }: BackupProgress) => console.log(`${done}/${total ?? '?'} ${unit}`);
 * ```
 */
export interface BackupProgress {
  /** What `done` and `total` count. */
  unit: 'pages' | 'bytes';
  done: number;
  /** Unknown (undefined) while a `pg_dump` runs. */
  total: number | undefined;
}

/**
 * Called as a copy advances.
 *
 * @example
 * ```ts
 * const onProgress: ProgressListener = (p) => bar.update(p.done);
 * await backups.create({ onProgress });
 * ```
 */
export type ProgressListener = (progress: BackupProgress) => void;
