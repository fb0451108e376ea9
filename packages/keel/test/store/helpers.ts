import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Service } from '../../src/service/index.js';
import { type Migration, Store, type StoreOptions } from '../../src/store/index.js';
import { freePort } from '../../src/testing/free-port.js';

/** The one table outage tests write to. */
export interface OutageDb {
  items: { id: number; name: string };
}

export const migrations: Record<string, Migration> = {
  '001_items': {
    async up(db) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull().unique())
        .execute();
    },
  },
};

/** A started store whose service's log lines (parsed) are kept for assertions. */
export interface LoggedStore {
  service: Service;
  store: Store<OutageDb>;
  lines: Record<string, unknown>[];
}

export async function startLoggedStore(options: StoreOptions): Promise<LoggedStore> {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const service = new Service({ name: 'outage-test', logger: pino({ level: 'info' }, destination) });
  const store = new Store<OutageDb>({ migrations, ...options });
  service.add(store);
  await service.start();
  return { service, store, lines };
}

/** A loopback port nothing listens on (taken, then freed). */
export const closedPort = freePort;

/** Awaits `work` and returns what it threw (fails if it did not throw). */
export async function thrown(work: () => Promise<unknown>): Promise<Error> {
  try {
    await work();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected the work to throw');
}
