import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { backupConfigSchema, backupsOptionsFromConfig } from './config.js';

describe('backupsOptionsFromConfig', () => {
  const parse = (env: Record<string, string>) => loadConfig(backupConfigSchema, { env, envFile: false });

  it('puts backups beside the data by default, so the CLI and a service agree', () => {
    expect(backupsOptionsFromConfig({ ...parse({}), DATA_DIR: '/srv/app/data' }).backupDir).toBe(
      '/srv/app/data/backups',
    );
    expect(backupsOptionsFromConfig(parse({})).backupDir).toBe('./backups');
  });

  it('honours BACKUP_DIR and the retention variables', () => {
    const options = backupsOptionsFromConfig({
      ...parse({ BACKUP_DIR: '/mnt/b', BACKUP_KEEP_LAST: '3' }),
      DATA_DIR: '/d',
    });
    expect(options.backupDir).toBe('/mnt/b');
    expect(options.retention).toMatchObject({ keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 });
  });
});
