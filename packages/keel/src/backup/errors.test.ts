import { describe, expect, it } from 'vitest';
import { isKeelError, registeredErrorCodes } from '../errors/index.js';
import { BackupCorruptError, BackupFailedError, BackupToolError } from './errors.js';

describe('backup error codes', () => {
  it('are registered by the backup capability with their status and title', () => {
    const codes = registeredErrorCodes();
    expect(codes.get('backup_failed')).toEqual({ status: 500, title: 'Backup failed', exposeMessage: true });
    expect(codes.get('backup_corrupt')).toEqual({
      status: 500,
      title: 'Backup failed verification',
      exposeMessage: true,
    });
    expect(codes.get('backup_tool_missing')).toEqual({
      status: 500,
      title: 'A backup tool is missing or too old',
      exposeMessage: true,
    });
  });

  it('carry them on the errors backups throw', () => {
    const failed = new BackupFailedError('pg_dump exited with code 1');
    expect(isKeelError(failed)).toBe(true);
    expect(failed).toMatchObject({ code: 'backup_failed', status: 500, title: 'Backup failed' });
    expect(new BackupCorruptError('x.db: sha256 does not match')).toMatchObject({
      code: 'backup_corrupt',
      title: 'Backup failed verification',
    });
    expect(new BackupToolError('pg_dump', 'pg_dump was not found', 'postgresql-client-16')).toMatchObject({
      code: 'backup_tool_missing',
      status: 500,
      extensions: { tool: 'pg_dump', install: 'postgresql-client-16' },
    });
  });
});
