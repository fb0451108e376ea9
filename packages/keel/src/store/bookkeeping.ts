/**
 * The tables Keel itself keeps in a service's database: migration records and locks, jobs,
 * schedules and their runs. Every one starts with `keel_`; a backup carries them, and tools that
 * show "the service's data" leave them out.
 *
 * @example
 * ```ts
 * const userTables = tables.filter((name) => !bookkeepingTables.includes(name));
 * ```
 */
export const bookkeepingTables: readonly string[] = Object.freeze([
  'keel_migration',
  'keel_migration_lock',
  'keel_job',
  'keel_job_migration',
  'keel_job_migration_lock',
  'keel_schedule',
  'keel_schedule_run',
  'keel_schedule_migration',
  'keel_schedule_migration_lock',
]);

/**
 * Whether a table is Keel's own rather than the service's: every one is named `keel_…`.
 *
 * @example
 * ```ts
 * isBookkeepingTable('keel_job'); // true
 * ```
 */
export function isBookkeepingTable(name: string): boolean {
  return name.startsWith('keel_');
}
