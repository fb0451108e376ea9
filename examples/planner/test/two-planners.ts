import { createTestDatabase, type TestDatabase } from 'keel/testing';
import { type PrivateRedis, startPrivateRedis, uniqueCachePrefix } from './cache-helpers.js';
import { type PlannerProcess, spawnPlanner } from './process.js';

/** Two planner processes on one PostgreSQL database and a private Redis the test may kill. */
export interface TwoPlanners {
  planners: [PlannerProcess, PlannerProcess];
  database: TestDatabase;
  redis: PrivateRedis;
  stop(): Promise<void>;
}

/** Starts them: the first one migrates and works jobs; the second starts on the migrated database as API-only. */
export async function startTwoPlanners(name: string): Promise<TwoPlanners> {
  const [database, redis] = await Promise.all([createTestDatabase('postgres'), startPrivateRedis()]);
  const env = {
    DATABASE_URL: database.databaseUrl!,
    DATA_DIR: database.dataDir,
    REDIS_URL: redis.url,
    CACHE_PREFIX: uniqueCachePrefix(name),
    RATE_LIMIT_PER_MINUTE: '10000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
  };
  const first = await spawnPlanner(env);
  const second = await spawnPlanner({ ...env, JOBS_WORK: 'false' });
  return {
    planners: [first, second],
    database,
    redis,
    async stop() {
      for (const planner of [first, second]) {
        planner.child.kill('SIGTERM');
        await planner.exited;
      }
      await redis.close();
      await database.drop();
    },
  };
}
