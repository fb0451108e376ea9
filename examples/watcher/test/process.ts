import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnService } from 'keel/testing';
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
  const { child, url, exited } = await spawnService(main, env, { name: 'the watcher', listenTimeoutMs: 30_000 });
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
