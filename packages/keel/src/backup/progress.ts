/** How far a long copy has come: pages for a SQLite backup, bytes for a dump or a file copy. */
export interface BackupProgress {
  /** What `done` and `total` count. */
  unit: 'pages' | 'bytes';
  done: number;
  /** Unknown (undefined) while a `pg_dump` runs. */
  total: number | undefined;
}

/** Called as a copy advances. */
export type ProgressListener = (progress: BackupProgress) => void;
