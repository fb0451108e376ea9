import { fileURLToPath } from 'node:url';
import { type ServiceProcess, spawnService } from 'keel/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The comments service running in its own process (the built `dist/main.js`), as `npm start` runs it. */
export type CommentsProcess = ServiceProcess;

/** Spawns the built comments service and waits until it listens. */
export function spawnComments(env: Record<string, string>): Promise<CommentsProcess> {
  return spawnService(main, env, { name: 'comments service' });
}
