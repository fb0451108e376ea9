import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A watcher running in its own process (the built `dist/main.js`), as `npm start` runs it. */
export interface WatcherProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** A JSON call to the process. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: any }>;
}

/** Spawns the built watcher and waits until it listens. */
export async function spawnWatcher(env: Record<string, string>): Promise<WatcherProcess> {
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`the watcher did not listen in 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        try {
          const line = JSON.parse(part) as { msg?: string; url?: string };
          if (line.msg === 'HTTP server listening' && line.url) {
            clearTimeout(timer);
            resolve(line.url);
          }
        } catch {
          // Not a log line.
        }
      }
    });
    void exited.then((code) => reject(new Error(`the watcher exited with ${code}; stderr: ${stderr}`)));
  });
  return {
    child,
    url,
    exited,
    async call(method, path, options = {}) {
      const response = await request(`${url}${path}`, {
        method: method as 'GET',
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
    },
  };
}
