import { Writable } from 'node:stream';
import type { TaskType } from 'keel/tasks';
import type { TestDatabase } from 'keel/testing';
import { type CommentsServiceApp, createCommentsService, loadCommentsConfig } from '../src/index.js';

/** A comments service started on a test database, driven through Fastify's inject. */
export interface CommentsHarness {
  app: CommentsServiceApp;
  logs: string[];
  call(method: string, url: string, options?: { token?: string; body?: unknown }): Promise<CallResult>;
  stop(): Promise<void>;
}

/** A parsed answer. */
export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  raw: Buffer;
}

/** The environment of a test service on `database`, with `env` on top. */
export function testEnv(database: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    DATA_DIR: database.dataDir,
    CACHE_PREFIX: `comments-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '10000',
    VK_TOKEN: 'test-token',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...env,
  };
}

/** Starts the service on `database` with the given environment on top of the test defaults. */
export async function startComments(
  database: TestDatabase,
  env: Record<string, string> = {},
  taskTypes: readonly TaskType[] = [],
): Promise<CommentsHarness> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadCommentsConfig({ envFile: false, env: testEnv(database, env) });
  const app = createCommentsService(config, {
    logDestination: destination,
    jobs: { pollIntervalMs: 50 },
    taskTypes,
  });
  await app.service.start();
  return {
    app,
    logs,
    async call(method, url, options = {}) {
      const response = await app.http.app.inject({
        method: method as 'GET',
        url,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
      });
      const type = String(response.headers['content-type'] ?? '');
      return {
        status: response.statusCode,
        headers: response.headers,
        body: /json/.test(type) && response.body ? JSON.parse(response.body) : response.body,
        raw: response.rawPayload,
      };
    },
    async stop() {
      await app.service.stop();
    },
  };
}
