import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/**
 * A private `redis-server` child process, which a test may kill and restart without touching the shared one.
 *
 * @example
 * ```ts
 * const redis: PrivateRedis = await startPrivateRedis();
 * const client = new Redis(redis.url);
 * redis.pause(); // the connection stays open, but nothing answers
 * redis.resume();
 * ```
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL): connections drop at once. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: `--save ""`). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  /** Thaws a paused server (SIGCONT), data intact. */
  resume(): void;
  /** Kills it for good. */
  close(): Promise<void>;
}

async function waitForPing(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      await sleep(50);
    }
  }
  throw new Error(`redis-server at ${url} did not start`);
}

/**
 * Starts a private Redis (`redis-server` on a free loopback port, nothing saved to disk), for fault
 * tests that stop, freeze or restart Redis without disturbing tests that share the machine's Redis.
 *
 * @example
 * ```ts
 * const redis = await startPrivateRedis();
 * await redis.kill(); // every connection drops
 * await redis.restart();
 * await redis.close();
 * ```
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: 'ignore',
    });
    await waitForPing(url);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };
  await launch();
  const signal = (name: NodeJS.Signals): void => {
    child?.kill(name);
  };
  return {
    port,
    url,
    kill,
    restart: launch,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    close: async () => {
      signal('SIGCONT');
      await kill();
    },
  };
}
