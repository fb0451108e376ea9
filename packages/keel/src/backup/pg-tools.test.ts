import { describe, expect, it } from 'vitest';
import { BackupToolError } from './errors.js';
import { ensureTool, parseToolMajor, toolVersionProblem } from './pg-tools.js';
import { runTool } from './run-tool.js';

describe('PostgreSQL client tools', () => {
  it('reads the major version of --version lines', () => {
    expect(parseToolMajor('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)')).toBe(15);
    expect(parseToolMajor('pg_restore (PostgreSQL) 9.6.24')).toBe(9);
    expect(parseToolMajor('nonsense')).toBeUndefined();
  });

  it('names the package to install when the tool is older than the server', () => {
    const problem = toolVersionProblem('pg_dump', 'pg_dump', 14, 16);
    expect(problem).toBeInstanceOf(BackupToolError);
    expect(problem?.code).toBe('backup_tool_missing');
    expect(problem?.message).toBe('pg_dump 14 is older than the PostgreSQL 16 server; install postgresql-client-16');
    expect(problem?.install).toBe('postgresql-client-16');
    expect(toolVersionProblem('pg_dump', 'pg_dump', 16, 16)).toBeUndefined();
    expect(toolVersionProblem('pg_dump', 'pg_dump', 17, 16)).toBeUndefined();
  });

  it('accepts the installed pg_dump for this machine and refuses a missing one with a typed error', async () => {
    const installed = parseToolMajor((await runTool('pg_dump', ['--version'])).stdout)!;
    await expect(ensureTool('pg_dump', 'pg_dump', installed)).resolves.toBeUndefined();
    await expect(ensureTool('pg_dump', 'pg_dump', installed + 1)).rejects.toThrow(
      `install postgresql-client-${installed + 1}`,
    );
    const missing = ensureTool('pg_restore', '/nonexistent/bin/pg_restore', 15);
    await expect(missing).rejects.toBeInstanceOf(BackupToolError);
    await expect(missing).rejects.toThrow(
      'pg_restore was not found (looked for "/nonexistent/bin/pg_restore"); install postgresql-client-15',
    );
  });
});
