import { describe, expect, it } from 'vitest';
import { BackupCorruptError, BackupFailedError, BackupToolError } from '../backup/errors.js';
import { ConfigError, ConflictError, NotFoundError, UsageError } from '../errors/index.js';
import { CliArgumentError } from './errors.js';
import { exitCodeFor, exitCodes, oneLine } from './exit-codes.js';

describe('the CLI exit codes', () => {
  it('maps each failure to its documented code', () => {
    expect(exitCodeFor(new CliArgumentError('unknown subcommand "x"'))).toBe(exitCodes.usage);
    expect(exitCodeFor(new ConfigError(['DATA_DIR: required']))).toBe(exitCodes.usage);
    expect(exitCodeFor(new UsageError('backups.restore: target is a postgres database'))).toBe(exitCodes.usage);
    expect(exitCodeFor(new NotFoundError('no backups'))).toBe(exitCodes.notFound);
    expect(exitCodeFor(new ConflictError('Refusing to restore'))).toBe(exitCodes.refused);
    expect(exitCodeFor(new BackupCorruptError('sha256 does not match'))).toBe(exitCodes.corrupt);
    expect(exitCodeFor(new BackupToolError('pg_dump', 'pg_dump was not found', 'postgresql-client-16'))).toBe(
      exitCodes.toolMissing,
    );
    expect(exitCodeFor(new BackupFailedError('pg_dump exited with code 1'))).toBe(exitCodes.failed);
    expect(exitCodeFor(new Error('unexpected'))).toBe(exitCodes.failed);
  });

  it('prints an error as one line', () => {
    expect(oneLine(new ConfigError(['DATA_DIR: required', 'PORT: must be a number']))).toBe(
      'keel: Invalid configuration:; DATA_DIR: required; PORT: must be a number',
    );
  });
});
