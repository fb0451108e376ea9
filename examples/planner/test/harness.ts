import { Writable } from 'node:stream';
import type { JobContext, JobQueue } from 'keel/jobs';
import type { Store } from 'keel/store';
import type { TestDatabase } from 'keel/testing';
import { createPlanner, loadPlannerConfig, type Planner } from '../src/index.js';

/** A planner started on a test database, driven through Fastify's inject (no sockets). */
export interface PlannerHarness {
  planner: Planner;
  logs: string[];
  call(
    method: string,
    url: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Registers a user and logs in; returns its id and token. */
  user(name: string, email?: string): Promise<{ id: string; token: string; email: string }>;
  stop(): Promise<void>;
}

/** Plain result of a call. */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

let counter = 0;

/** Starts a planner on `database` with the given environment on top of test defaults. */
export async function startPlanner(database: TestDatabase, env: Record<string, string> = {}): Promise<PlannerHarness> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadPlannerConfig({
    envFile: false,
    env: {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      RATE_LIMIT_AUTH_PER_MINUTE: '10000',
      ...env,
    },
  });
  // Backup file names have one-second resolution: each backup's clock reading is a second later.
  let backupTime = Date.now();
  const planner = createPlanner(config, {
    logDestination: destination,
    backups: {
      now: () => {
        backupTime += 1000;
        return new Date(backupTime);
      },
    },
  });
  await planner.service.start();
  const call: PlannerHarness['call'] = async (method, url, options = {}) => {
    const response = await planner.http.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    });
    const text = response.body;
    let body: unknown = text;
    if (text && /json/.test(String(response.headers['content-type']))) body = JSON.parse(text);
    return { status: response.statusCode, headers: response.headers, body };
  };
  return {
    planner,
    logs,
    call,
    async user(name, email = `${name.toLowerCase()}-${process.pid}-${++counter}@example.com`) {
      const registered = await call('POST', '/api/v1/auth/register', {
        body: { email, password: 'correct horse battery', name },
      });
      if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
      const login = await call('POST', '/api/v1/auth/login', { body: { email, password: 'correct horse battery' } });
      return { id: registered.body.id, token: login.body.accessToken, email };
    },
    stop: async () => {
      await planner.service.stop('test over');
    },
  };
}

/** A job context for running a planner job's handler directly (e.g. a second, at-least-once run). */
export function handlerContext(planner: Planner, id: string, attempt = 1): JobContext {
  // A job type's handler sees the store untyped, as the queue hands it over.
  const jobs = planner.jobs as unknown as JobQueue<unknown>;
  return {
    id,
    attempt,
    signal: new AbortController().signal,
    logger: planner.logger,
    store: planner.store as unknown as Store<unknown>,
    progress: async () => undefined,
    enqueue: (type, payload, options) => jobs.enqueue(type, payload, options),
  };
}
