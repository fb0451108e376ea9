import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * A service's built entry point running in its own process, as `npm start` runs it, with its JSON
 * log lines as they arrive.
 *
 * @example
 * ```ts
 * const service = await spawnService(mainJs, { DATABASE_URL: database.url });
 * await service.waitForLine((line) => line.msg === 'job completed');
 * service.child.kill('SIGKILL');
 * ```
 */
export interface ServiceProcess {
  child: ChildProcess;
  /** Where the service listens (from its `HTTP server listening` line). */
  url: string;
  /** Every log line so far, parsed (a line that is not JSON is `{ msg: line }`). */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line that matches; `timeoutMs` (default 20 s) only bounds a hang. */
  waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (`null` when a signal ended it). */
  exited: Promise<number | null>;
}

/**
 * Options of {@link spawnService}.
 *
 * @example
 * ```ts
 * await spawnService(mainJs, env, { name: 'planner', listenTimeoutMs: 30_000 });
 * ```
 */
export interface SpawnServiceOptions {
  /** Named in errors. @defaultValue `service` */
  name?: string;
  /** Most time to wait for the service to listen. @defaultValue 20000 */
  listenTimeoutMs?: number;
}

/**
 * Spawns `node <mainPath>` with `env` over a clean test environment (`NODE_ENV=test`, `PORT=0`,
 * JSON logs) and resolves once the service listens.
 *
 * @example
 * ```ts
 * const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
 * const planner = await spawnService(main, { DATA_DIR: dir }, { name: 'planner' });
 * ```
 */
export async function spawnService(
  mainPath: string,
  env: Record<string, string>,
  options: SpawnServiceOptions = {},
): Promise<ServiceProcess> {
  const name = options.name ?? 'service';
  const child = spawn(process.execPath, [mainPath], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }>();
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      const line = parseLine(part);
      lines.push(line);
      for (const waiter of waiters) {
        if (!waiter.match(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitForLine: ServiceProcess['waitForLine'] = (match, timeoutMs = 20_000) => {
    const found = lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${name}: no matching log line in ${timeoutMs} ms; stderr: ${stderr}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.add(waiter);
      void exited.then((code) => {
        if (!waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before the line; stderr: ${stderr}`));
      });
    });
  };
  const listening = await waitForLine((line) => line.msg === 'HTTP server listening', options.listenTimeoutMs);
  return { child, url: String(listening.url), lines, waitForLine, stderr: () => stderr, exited };
}

function parseLine(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: kept as its text.
  }
  return { msg: text };
}
