import { fileURLToPath } from 'node:url';
import { type ServiceProcess, spawnService } from 'keel/testing';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A planner running in its own process (the built `dist/main.js`), as `npm start` runs it. */
export type PlannerProcess = ServiceProcess;

/** Spawns the built planner and waits until it listens. */
export function spawnPlanner(env: Record<string, string>): Promise<PlannerProcess> {
  return spawnService(main, env, { name: 'planner' });
}
