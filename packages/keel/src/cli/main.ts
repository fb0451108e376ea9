import { isKeelError } from '../errors/index.js';
import { backupCommand } from './backup-command.js';
import type { CliCommand, CliIo } from './command.js';
import { CliArgumentError } from './errors.js';
import { exitCodeFor, exitCodes, oneLine } from './exit-codes.js';

// Every top-level command; later capabilities (e.g. schedule) add theirs here.
const commands: readonly CliCommand[] = [backupCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: keel <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `keel <command> --help` for a command. Reads DATABASE_URL, DATA_DIR and BACKUP_DIR from the',
    'environment and from .env in the current folder.',
    '',
  ].join('\n');
}

/**
 * Runs the `keel` CLI: `keel <command> ...`. Resolves to the exit code; errors become one line on stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`keel: unknown command "${name}"; run \`keel --help\`\n`);
    return exitCodes.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr.write(`${oneLine(error)}\n`);
    // Unexpected errors keep their stack for a bug report, only when asked for.
    if (!isKeelError(error) && !(error instanceof CliArgumentError) && io.env.KEEL_DEBUG)
      io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return exitCodeFor(error);
  }
}
