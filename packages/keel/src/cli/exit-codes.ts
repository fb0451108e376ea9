import { BACKUP_CORRUPT, BACKUP_TOOL_MISSING } from '../backup/errors.js';
import { type ErrorCode, isKeelError } from '../errors/index.js';
import { CliArgumentError } from './errors.js';

/** The `keel` CLI's exit codes. */
export const exitCodes = {
  ok: 0,
  /** The operation failed (database, disk, tool error, or anything unexpected). */
  failed: 1,
  /** Bad arguments or configuration. */
  usage: 2,
  /** The named backup (or any backup) does not exist. */
  notFound: 3,
  /** Refused: e.g. restoring into a database that holds data or is live, without `--force`. */
  refused: 4,
  /** A backup failed verification. */
  corrupt: 5,
  /** A required tool (pg_dump, pg_restore) is missing or too old. */
  toolMissing: 6,
} as const;

const byCode: Partial<Record<ErrorCode, number>> = {
  validation: exitCodes.usage,
  config: exitCodes.usage,
  // The CLI hands the user's arguments on (a --target of the wrong dialect): a misuse is their input.
  usage: exitCodes.usage,
  not_found: exitCodes.notFound,
  conflict: exitCodes.refused,
  [BACKUP_CORRUPT]: exitCodes.corrupt,
  [BACKUP_TOOL_MISSING]: exitCodes.toolMissing,
};

/** The exit code for an error thrown by a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliArgumentError) return exitCodes.usage;
  return isKeelError(error) ? (byCode[error.code] ?? exitCodes.failed) : exitCodes.failed;
}

/** The error as one line: `keel: <message>`. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `keel: ${message
    .split('\n')
    .map((part) => part.trim().replace(/^- /, ''))
    .filter(Boolean)
    .join('; ')}`;
}
