import { describe, expect, it } from 'vitest';
import { backupFileName, parseBackupFileName, safeDatabaseName } from './names.js';

describe('backup file names', () => {
  it('formats <database>_YYYYMMDD_HHMMSS.<ext> in UTC and reads it back', () => {
    const at = new Date('2025-01-31T02:03:04.567Z');
    expect(backupFileName('keel', at, 'sqlite')).toBe('keel_20250131_020304.db');
    expect(backupFileName('planner_prod', at, 'postgres')).toBe('planner_prod_20250131_020304.dump');
    expect(parseBackupFileName('planner_prod_20250131_020304.dump')).toEqual({
      database: 'planner_prod',
      dialect: 'postgres',
      createdAt: new Date('2025-01-31T02:03:04Z'),
    });
  });

  it('rejects names that are not backups, impossible dates and paths', () => {
    for (const name of [
      'manifest.json',
      'keel_20250131_020304.sql',
      'keel_20250231_020304.db',
      '../keel_20250131_020304.db',
      '.keel_20250131_020304.db.tmp',
    ]) {
      expect(parseBackupFileName(name)).toBeUndefined();
    }
  });

  it('makes any database name safe for a file name', () => {
    expect(safeDatabaseName('my db/prod')).toBe('my_db_prod');
    expect(safeDatabaseName('..')).toBe('database');
  });
});
