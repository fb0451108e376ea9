import { spawn } from 'node:child_process';

/** What a finished tool printed. */
export interface ToolOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Added to the current environment. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Runs a program without a shell and collects its output. Rejects with the spawn error (`ENOENT` when
 * it is not installed); a non-zero exit resolves, with `code` set, for the caller to explain.
 */
export function runTool(path: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
  });
}

/** The last non-empty line of a tool's error output, for one-line messages. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? 'no output';
}
