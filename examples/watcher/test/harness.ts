import { Writable } from 'node:stream';
import type { Delivery } from 'keel/notify';
import { sql } from 'keel/store';
import type { TestDatabase } from 'keel/testing';
import { createWatcher, loadWatcherConfig, type Watcher, type WatcherOptions } from '../src/index.js';
import { type BotApiStandIn, type BotApiStandInOptions, startBotApiStandIn } from '../src/stand-ins/bot-api.js';
import {
  type IndexerStandIn,
  type IndexerStandInOptions,
  type StandInRelease,
  startIndexerStandIn,
} from '../src/stand-ins/indexer.js';

export const BOT_TOKEN = '123456:test-bot-token';
export const API_KEY = 'test-api-key';

/** Plain result of a call. */
export interface Response {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

/** A watcher started on a test database, with its indexer and Bot API stand-ins, driven through inject. */
export interface WatcherHarness {
  watcher: Watcher;
  indexer: IndexerStandIn;
  bot: BotApiStandIn;
  logs: string[];
  call(method: string, url: string, options?: { token?: string; body?: unknown }): Promise<Response>;
  /** Registers a user and logs in. */
  user(name: string): Promise<{ id: string; token: string; email: string }>;
  /** Registers a user, links chat `chatId`, and watches `query`; the item's id. */
  watcherWithItem(
    name: string,
    chatId: number,
    query: string,
  ): Promise<{ token: string; userId: string; itemId: string }>;
  /** Releases stored (every item). */
  storedCount(): Promise<number>;
  /** Items checked since `sinceIso`. */
  checkedSince(sinceIso: string): Promise<number>;
  /** Telegram deliveries by state. */
  deliveryStates(): Promise<Record<string, number>>;
  /** The Telegram delivery of the release `guid` of item `itemId`. */
  deliveryOf(itemId: string, guid: string): Promise<Delivery | undefined>;
  stop(): Promise<void>;
}

/** Options of {@link startWatcher}. */
export interface HarnessOptions {
  env?: Record<string, string>;
  options?: WatcherOptions;
  indexer?: IndexerStandInOptions;
  bot?: BotApiStandInOptions;
}

let counter = 0;

/** Starts stand-ins and a watcher on `database`, configured for them. */
export async function startWatcher(database: TestDatabase, harness: HarnessOptions = {}): Promise<WatcherHarness> {
  const indexer = await startIndexerStandIn({ apiKey: API_KEY, ...harness.indexer });
  const bot = await startBotApiStandIn({ token: BOT_TOKEN, ...harness.bot });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadWatcherConfig({
    envFile: false,
    env: {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      RATE_LIMIT_AUTH_PER_MINUTE: '10000',
      RATE_LIMIT_PER_MINUTE: '100000',
      INDEXER_URL: indexer.url,
      INDEXER_API_KEY: API_KEY,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_URL: bot.url,
      // Checks run when a test triggers them, not by the clock.
      WATCH_INTERVAL_MS: String(24 * 3600_000),
      ...harness.env,
    },
  });
  const watcher = createWatcher(config, { logDestination: destination, jobPollIntervalMs: 100, ...harness.options });
  await watcher.service.start();
  const call: WatcherHarness['call'] = async (method, url, options = {}) => {
    const response = await watcher.http.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    });
    const text = response.body;
    let body: unknown = text;
    if (text && /json/.test(String(response.headers['content-type']))) body = JSON.parse(text);
    return { status: response.statusCode, headers: response.headers, body };
  };
  const user: WatcherHarness['user'] = async (name) => {
    const email = `${name.toLowerCase().replace(/\W/g, '')}-${process.pid}-${++counter}@example.com`;
    const registered = await call('POST', '/api/v1/auth/register', {
      body: { email, password: 'correct horse battery', name },
    });
    if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
    const login = await call('POST', '/api/v1/auth/login', { body: { email, password: 'correct horse battery' } });
    return { id: registered.body.id, token: login.body.accessToken, email };
  };
  const db = () => watcher.store.db;
  return {
    watcher,
    indexer,
    bot,
    logs,
    call,
    user,
    async watcherWithItem(name, chatId, query) {
      const { id, token } = await user(name);
      const linked = await call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId } });
      if (linked.status !== 200) throw new Error(`link failed: ${JSON.stringify(linked.body)}`);
      const item = await call('POST', '/api/v1/watchlist', { token, body: { query } });
      if (item.status !== 201) throw new Error(`watch failed: ${JSON.stringify(item.body)}`);
      return { token, userId: id, itemId: item.body.id };
    },
    async storedCount() {
      const row = await db()
        .selectFrom('watch_releases')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async checkedSince(sinceIso) {
      const row = await db()
        .selectFrom('watchlist_items')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('last_checked_at', '>', sinceIso)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async deliveryStates() {
      const rows = await sql<{ state: string; n: number | string }>`
        select state, count(*) as n from keel_notify_delivery where channel = 'telegram' group by state`.execute(db());
      return Object.fromEntries(rows.rows.map((row) => [row.state, Number(row.n)]));
    },
    async deliveryOf(itemId, guid) {
      const row = await db()
        .selectFrom('watch_releases')
        .select('notification_id')
        .where('item_id', '=', itemId)
        .where('guid', '=', guid)
        .executeTakeFirst();
      if (!row?.notification_id) return undefined;
      const status = await watcher.watchlist.notifier.status(row.notification_id);
      return status?.deliveries.find((delivery) => delivery.channel === 'telegram');
    },
    stop: async () => {
      await watcher.service.stop('test over');
      await Promise.all([indexer.close(), bot.close()]);
    },
  };
}

/** `count` releases of a query, the first `posters` of them with a poster; guids `<prefix>-<n>`. */
export function releasesOf(prefix: string, count: number, posters = 0): StandInRelease[] {
  return Array.from({ length: count }, (_, index) => ({
    guid: `${prefix}-${index + 1}`,
    title: `${prefix} S01E0${index + 1} 1080p`,
    size: 1_000_000_000 + index,
    publishDate: new Date(Date.UTC(2026, 11, 1, 12, index)).toISOString(),
    seeders: 10 + index,
    ...(index < posters ? { posterUrl: `https://posters.example/${prefix}-${index + 1}.jpg` } : {}),
  }));
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
