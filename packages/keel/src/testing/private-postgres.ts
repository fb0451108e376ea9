import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

// The server's tools (initdb, pg_ctl) live in the version's own folder, which pg_config names.
let bin: string | undefined;
function serverBin(): string {
  bin ??= execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  return bin;
}

/**
 * A throwaway PostgreSQL cluster of the test's own (so it may be stopped), run as the `postgres` OS user.
 *
 * @example
 * ```ts
 * const postgres: PrivatePostgres = await createPrivatePostgres();
 * const store = createStore({ databaseUrl: postgres.url });
 * afterAll(() => postgres.remove());
 * ```
 */
export interface PrivatePostgres {
  url: string;
  /** `pg_ctl stop -m fast`: sessions are terminated (57P01), then connections are refused. */
  stop(): void;
  start(): void;
  remove(): void;
}

function asPostgres(command: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', join(serverBin(), command), ...args], { stdio: 'pipe' });
}

/**
 * Creates and starts a PostgreSQL cluster of the test's own in a temporary folder, on a free loopback
 * port, with trust authentication, so a fault test may stop and restart it without touching the
 * shared server. Needs root (it runs the server as the `postgres` OS user).
 *
 * @example
 * ```ts
 * const postgres = await createPrivatePostgres();
 * postgres.stop(); // clients see 57P01, then ECONNREFUSED
 * postgres.start();
 * postgres.remove();
 * ```
 */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = (): void => asPostgres('pg_ctl', ['-D', data, '-o', options, '-w', '-l', join(dir, 'log'), 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    start,
    remove: () => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
