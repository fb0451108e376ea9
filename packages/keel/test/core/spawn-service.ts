import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');

/** A fixture process, its JSON log lines as they arrive, and its exit. */
export interface Spawned {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line matching `match`; `timeoutMs` (default 15 s) is a hang bound only. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** Starts `fixtures/<name>.ts` under tsx with `env` added to a clean test environment. */
export function spawnFixture(name: string, env: Record<string, string> = {}): Spawned {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', `${name}.ts`)], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      PORT: '0',
      LOG_PRETTY: 'false',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'keel-core-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (data: string) => {
    buffered += data;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
    for (const wake of waiters) wake();
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (data: string) => {
    stderr += data;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const wake of waiters) wake();
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (child.exitCode !== null) {
          finish();
          reject(new Error(`fixture exited (${child.exitCode}) first; stderr: ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for a log line; stderr: ${stderr}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, lines, stderr: () => stderr, waitFor, exited };
}

/** Starts the service fixture and resolves with its base URL once it listens. */
export async function startService(env: Record<string, string> = {}): Promise<Spawned & { url: string }> {
  const spawned = spawnFixture('service', env);
  const listening = await spawned.waitFor((line) => line.msg === 'HTTP server listening');
  return { ...spawned, url: String(listening.url) };
}
