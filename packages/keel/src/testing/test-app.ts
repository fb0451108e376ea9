import { Writable } from 'node:stream';
import { type App, type AppConfig, type AppOptions, appConfigSchema, createApp } from '../app/index.js';
import { loadConfig } from '../config/index.js';
import type { ProblemDetails } from '../http/index.js';
import type { StoreDialect } from '../store/index.js';
import { eventually } from './eventually.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * Options of {@link createTestApp}: those of `createApp`, with the config read from test defaults.
 *
 * @example
 * ```ts
 * const options: TestAppOptions<Database> = { features: [notes], dialect: 'postgres', env: { LOG_LEVEL: 'debug' } };
 * ```
 */
export interface TestAppOptions<DB, C extends AppConfig = AppConfig>
  extends Omit<AppOptions<DB, C>, 'config' | 'name'> {
  /** Default: `test`. */
  name?: string;
  /** The database the app runs on, fresh for this app and dropped by `close`. Default: `sqlite`. */
  dialect?: StoreDialect;
  /** Environment on top of the test defaults (NODE_ENV=test, PORT=0, the fresh database). Default: none. */
  env?: Record<string, string>;
  /** Reads the config from an environment, e.g. the service's own loader. Default: `appConfigSchema`. */
  loadConfig?: (env: Record<string, string>) => C;
}

/**
 * An answer of {@link TestApp.inject}, with its body parsed.
 *
 * @example
 * ```ts
 * const { status, body, problem } = await test.inject('GET', '/api/notes');
 * ```
 */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The JSON body, parsed; the text when the answer is not JSON. */
  body: unknown;
  /** The RFC 9457 body when the answer is `application/problem+json`. */
  problem: ProblemDetails | undefined;
}

/**
 * Options of one {@link TestApp.inject} call.
 *
 * @example
 * ```ts
 * await test.inject('POST', '/api/notes', { body: { text: 'hi' }, token });
 * ```
 */
export interface InjectOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/**
 * A started app on a fresh database, for tests.
 *
 * @example
 * ```ts
 * const test = await createTestApp<Database>({ features: [notes] });
 * await test.inject('POST', '/api/notes', { body: { text: 'hi' } });
 * await test.drainJobs();
 * await test.close();
 * ```
 */
export interface TestApp<DB, C extends AppConfig = AppConfig> {
  app: App<DB, C>;
  database: TestDatabase;
  /** Calls a route in process (no socket), parsing the answer. */
  inject(method: string, url: string, options?: InjectOptions): Promise<TestResponse>;
  /**
   * Runs the jobs that are due until none is left waiting or running (jobs they enqueue too);
   * with `delayed`, jobs due later are made due now first. Resolves with how many jobs it saw due or running.
   */
  drainJobs(options?: { delayed?: boolean; timeoutMs?: number }): Promise<number>;
  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  /** Stops the app and drops its database. */
  close(): Promise<void>;
}

/**
 * Starts an app the way `createApp` assembles it, on a fresh test database, with the OpenAPI
 * contract checked on every answer (NODE_ENV=test) and a fast job poll.
 *
 * @example
 * ```ts
 * const test = await createTestApp<Database>({ features: [notes] });
 * const created = await test.inject('POST', '/api/notes', { body: { text: 'hi' } });
 * expect(created.status).toBe(201);
 * ```
 */
export async function createTestApp<DB, C extends AppConfig = AppConfig>(
  options: TestAppOptions<DB, C> = {},
): Promise<TestApp<DB, C>> {
  const database = await createTestDatabase(options.dialect ?? 'sqlite');
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const env = {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    DATA_DIR: database.dataDir,
    CACHE_PREFIX: `test-${process.pid}-${Math.random().toString(36).slice(2, 10)}`,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...options.env,
  };
  const { dialect: _dialect, env: _env, loadConfig: load, ...appOptions } = options;
  let app: App<DB, C>;
  try {
    const config = load ? load(env) : (loadConfig(appConfigSchema, { envFile: false, env }) as C);
    app = createApp<DB, C>({
      name: 'test',
      ...appOptions,
      config,
      jobs: { pollIntervalMs: 50, ...appOptions.jobs },
      logDestination: destination,
    });
    await app.service.start();
  } catch (error) {
    await database.drop();
    throw error;
  }
  const inject: TestApp<DB, C>['inject'] = async (method, url, call = {}) => {
    const response = await app.http.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      ...(call.body === undefined ? {} : { payload: JSON.stringify(call.body) }),
    });
    const type = String(response.headers['content-type'] ?? '');
    const body: unknown = response.body && /json/.test(type) ? JSON.parse(response.body) : response.body;
    return {
      status: response.statusCode,
      headers: response.headers,
      body,
      problem: type.startsWith('application/problem+json') ? (body as ProblemDetails) : undefined,
    };
  };
  const drainJobs: TestApp<DB, C>['drainJobs'] = async (drain = {}) => {
    const finished = new Set<string>();
    const pending = async (): Promise<string[]> => {
      const [waiting, running] = await Promise.all([
        app.jobs.list({ state: 'waiting', limit: 500 }),
        app.jobs.list({ state: 'running', limit: 500 }),
      ]);
      const now = Date.now();
      const due = waiting.items.filter((job) => drain.delayed || job.runAt.getTime() <= now);
      return [...due, ...running.items].map((job) => job.id);
    };
    await eventually(
      async () => {
        if (drain.delayed) {
          const later = (await app.jobs.list({ state: 'waiting', limit: 500 })).items;
          for (const job of later) if (job.runAt.getTime() > Date.now()) await app.jobs.reschedule(job.id, new Date());
        }
        const ids = await pending();
        for (const id of ids) finished.add(id);
        return ids.length === 0;
      },
      { timeoutMs: drain.timeoutMs ?? 10_000 },
    );
    return finished.size;
  };
  return {
    app,
    database,
    inject,
    drainJobs,
    logs: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      try {
        await app.service.stop('test over');
      } finally {
        await database.drop();
      }
    },
  };
}
