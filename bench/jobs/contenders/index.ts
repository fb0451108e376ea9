import type { ContenderKind } from '../contender.js';

/** The contenders, in the order the tables list them. */
export const contenderNames = ['keel-sqlite', 'keel-pg', 'graphile', 'pgboss', 'bullmq-redis', 'bullmq-pg'] as const;
export type ContenderName = (typeof contenderNames)[number];

export const contenderLabels: Record<ContenderName, string> = {
  'keel-sqlite': 'Keel (SQLite)',
  'keel-pg': 'Keel (PostgreSQL)',
  graphile: 'graphile-worker 0.17',
  pgboss: 'pg-boss 10',
  'bullmq-redis': 'BullMQ 6 (Redis)',
  'bullmq-pg': 'BullMQ 6 (PostgreSQL)',
};

/** Loads one contender only, so a runner process holds no other library. */
export async function loadContender(name: ContenderName): Promise<ContenderKind> {
  switch (name) {
    case 'keel-sqlite':
      return (await import('./keel.js')).keelSqlite;
    case 'keel-pg':
      return (await import('./keel.js')).keelPostgres;
    case 'graphile':
      return (await import('./graphile.js')).graphile;
    case 'pgboss':
      return (await import('./pgboss.js')).pgBoss;
    case 'bullmq-redis':
      return (await import('./bullmq.js')).bullmqRedis;
    case 'bullmq-pg':
      return (await import('./bullmq.js')).bullmqPostgres;
  }
}
