/**
 * A bad command line (an unknown subcommand or flag, a bad value): the user's input at a terminal,
 * not a bug. `runCli` prints its message as one line and exits with code 2 (usage).
 *
 * @example
 * ```ts
 * throw new CliArgumentError('--keep-last must be a non-negative integer (see keel backup --help)');
 * ```
 */
export class CliArgumentError extends Error {
  override readonly name = 'CliArgumentError';
}
