/** Where a command reads and writes; the real process streams, or buffers in tests. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** The environment; `.env` in `cwd` fills in what it lacks. */
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * One top-level command of the `keel` CLI (`keel <name> ...`); new capabilities add theirs to the
 * registry in `main.ts`.
 *
 * @example
 * ```ts
 * const hello: CliCommand = { name: 'hello', summary: 'Say hello', usage: 'keel hello', run: async (_args, io) => { io.stdout.write('hello\n'); return 0; } };
 * ```
 */
export interface CliCommand {
  name: string;
  /** One line for `keel --help`. */
  summary: string;
  /** The command's own help text. */
  usage: string;
  /** Runs with the arguments after the command's name; resolves to the exit code, throws a `KeelError` to fail. */
  run(args: string[], io: CliIo): Promise<number>;
}
