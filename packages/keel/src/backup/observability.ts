import { UnavailableError } from '../errors/index.js';
import type { ComponentContext } from '../service/index.js';

/** The gauge holding the last successful backup's completion time (Unix seconds, label `database`). */
export const LAST_SUCCESS_METRIC = 'keel_backup_last_success_timestamp_seconds';

/** What the metric and the readiness check read from the backups. */
export interface BackupStatusSource {
  /** The readiness check's name (the component's). */
  name: string;
  /** The `database` label. */
  database: string;
  /** The expected interval between backups (ms). */
  intervalMs: number;
  now: () => Date;
  lastSuccess(): Promise<Date | undefined>;
}

/**
 * Adds the last-success gauge (read from the manifest at each scrape, so backups taken by the CLI count)
 * and a non-critical readiness check: degraded once the last success, or the start when there is none
 * yet, is older than twice the expected interval.
 */
export function registerBackupObservability(backups: BackupStatusSource, context: ComponentContext): void {
  const startedAt = backups.now();
  const { database } = backups;
  const gauge = context.metrics.gauge({
    name: LAST_SUCCESS_METRIC,
    help: 'Unix time of the last successful database backup',
    labelNames: ['database'],
    collect: async () => {
      const last = await backups.lastSuccess().catch(() => undefined);
      if (last) gauge.set({ database }, last.getTime() / 1000);
    },
  });
  context.health.register({
    name: backups.name,
    critical: false,
    check: async () => {
      const last = await backups.lastSuccess();
      const limitMs = 2 * backups.intervalMs;
      const ageMs = backups.now().getTime() - (last ?? startedAt).getTime();
      if (ageMs > limitMs) {
        const what = last ? `the last backup completed ${last.toISOString()}` : 'no backup since start';
        throw new UnavailableError(`${what}, more than ${Math.round(limitMs / 1000)} s ago`);
      }
      return { lastSuccess: last?.toISOString() ?? null };
    },
  });
}
