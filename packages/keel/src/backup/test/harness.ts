import pino from 'pino';
import { Service } from '../../service/index.js';
import { createStore, type Store } from '../../store/index.js';
import type { TestDatabase } from '../../testing/test-database.js';
import { type SeedDatabase, seedMigrations } from './seed.js';

/** A silent service running a store with the seed schema on `database`. */
export async function startSeedStore(
  database: TestDatabase,
): Promise<{ service: Service; store: Store<SeedDatabase> }> {
  const service = new Service({ name: 'backup-test', logger: pino({ level: 'silent' }) });
  const store = createStore<SeedDatabase>({ ...database.options, migrations: seedMigrations });
  service.add(store);
  await service.start();
  return { service, store };
}

/** A clock the test moves: starts now, advances only when told. */
export function manualClock(start = new Date()): { now: () => Date; advance(ms: number): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
}
