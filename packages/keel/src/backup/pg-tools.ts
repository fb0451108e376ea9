import { BackupToolError } from './errors.js';
import { runTool } from './run-tool.js';

/** The PostgreSQL client tools a backup runs. */
export type PgTool = 'pg_dump' | 'pg_restore';

/**
 * The major version in a tool's `--version` line.
 *
 * @example
 * ```ts
 * parseToolMajor('pg_dump (PostgreSQL) 15.4'); // 15
 * ```
 */
export function parseToolMajor(versionLine: string): number | undefined {
  const match = /\)\s*(\d+)(?:\.\d+)?/.exec(versionLine) ?? /(\d+)(?:\.\d+)+/.exec(versionLine);
  return match ? Number(match[1]) : undefined;
}

/**
 * The error for a tool that cannot serve a server of `serverMajor`, or `undefined` when it can.
 * `toolMajor` undefined means the tool was not found. A client tool must not be older than the server.
 *
 * @example
 * ```ts
 * toolVersionProblem('pg_dump', 'pg_dump', 14, 16)?.message; // '... install postgresql-client-16'
 * ```
 */
export function toolVersionProblem(
  tool: PgTool,
  path: string,
  toolMajor: number | undefined,
  serverMajor: number,
): BackupToolError | undefined {
  const install = serverMajor > 0 ? `postgresql-client-${serverMajor}` : 'postgresql-client';
  if (toolMajor === undefined) {
    return new BackupToolError(
      tool,
      `${tool} was not found (looked for "${path}"); install ${install} or set its path`,
      install,
    );
  }
  if (toolMajor < serverMajor) {
    return new BackupToolError(
      tool,
      `${tool} ${toolMajor} is older than the PostgreSQL ${serverMajor} server; install ${install}`,
      install,
    );
  }
  return undefined;
}

/** Runs `<path> --version`; throws {@link BackupToolError} when the tool is missing or too old for the server. */
export async function ensureTool(tool: PgTool, path: string, serverMajor: number): Promise<void> {
  let major: number | undefined;
  try {
    const { code, stdout } = await runTool(path, ['--version']);
    major = code === 0 ? parseToolMajor(stdout) : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES') throw error;
  }
  const problem = toolVersionProblem(tool, path, major, serverMajor);
  if (problem) throw problem;
}
