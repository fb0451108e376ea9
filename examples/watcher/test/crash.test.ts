import { createTestDatabase, eventually, type TestDatabase, testDialects } from 'keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startBotApiStandIn } from '../src/stand-ins/bot-api.js';
import { startIndexerStandIn } from '../src/stand-ins/indexer.js';
import { API_KEY, BOT_TOKEN, releasesOf } from './harness.js';
import { spawnWatcher, type WatcherProcess } from './process.js';

const USERS = 30;
const RELEASES = 4;
const TOTAL = USERS * RELEASES;
const ADMIN = 'admin@example.com';

describe.each(testDialects)('a SIGKILL during a burst of deliveries (%s)', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('sends no message twice, and after a restart every remaining delivery goes out', {
    timeout: 240_000,
  }, async () => {
    const database: TestDatabase = await createTestDatabase(dialect);
    cleanups.push(() => database.drop());
    const indexer = await startIndexerStandIn({ apiKey: API_KEY });
    // A slow Bot API keeps deliveries in flight when the process dies.
    const bot = await startBotApiStandIn({ token: BOT_TOKEN, delayMs: 40 });
    cleanups.push(
      () => indexer.close(),
      () => bot.close(),
    );
    const env = {
      DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      INDEXER_URL: indexer.url,
      INDEXER_API_KEY: API_KEY,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_URL: bot.url,
      WATCH_INTERVAL_MS: String(24 * 3600_000),
      ADMIN_EMAILS: ADMIN,
      RATE_LIMIT_AUTH_PER_MINUTE: '10000',
      RATE_LIMIT_PER_MINUTE: '100000',
    };
    let first: WatcherProcess | undefined = await spawnWatcher(env);
    cleanups.push(async () => first?.child.kill('SIGKILL'));
    const register = async (w: WatcherProcess, email: string) => {
      await w.call('POST', '/api/v1/auth/register', {
        body: { email, password: 'correct horse battery', name: email },
      });
      const login = await w.call('POST', '/api/v1/auth/login', { body: { email, password: 'correct horse battery' } });
      return login.body.accessToken as string;
    };
    const items: { id: string; token: string }[] = [];
    for (let i = 0; i < USERS; i += 1) {
      indexer.add(`crash ${i}`, releasesOf(`crash${i}`, RELEASES, 1));
      const token = await register(first, `crash-${i}@example.com`);
      await first.call('PUT', '/api/v1/users/me/telegram', { token, body: { chatId: 9000 + i } });
      const item = await first.call('POST', '/api/v1/watchlist', { token, body: { query: `crash ${i}` } });
      items.push({ id: item.body.id, token });
    }
    for (const item of items) {
      expect((await first.call('POST', `/api/v1/watchlist/${item.id}/check`, { token: item.token })).status).toBe(202);
    }
    // Kill in the middle of the burst: some messages out, most still to send.
    await eventually(() => expect(bot.sent().length).toBeGreaterThanOrEqual(25), { timeoutMs: 60_000, intervalMs: 5 });
    first.child.kill('SIGKILL');
    await first.exited;
    first = undefined;
    const sentBeforeKill = bot.sent().length;

    const second = await spawnWatcher(env);
    cleanups.push(async () => second.child.kill('SIGKILL'));
    const admin = await register(second, ADMIN);
    const stats = async () => {
      const answer = await second.call('GET', '/admin/notify/stats', { token: admin });
      const counts: Record<string, number> = {};
      for (const row of answer.body.items as { channel: string; state: string; count: number }[]) {
        if (row.channel === 'telegram') counts[row.state] = (counts[row.state] ?? 0) + row.count;
      }
      return counts;
    };
    // Every release is found (checks cut by the kill run again) and every delivery ends.
    await eventually(
      async () => {
        const counts = await stats();
        expect((counts.delivered ?? 0) + (counts.failed ?? 0)).toBe(TOTAL);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const counts = await stats();
    const failed = await second.call('GET', '/admin/notify/deliveries?state=failed&channel=telegram', { token: admin });
    const reasons = (failed.body.items as { reason: string }[]).map((d) => d.reason);

    const received = bot.sent().map((call) => `${call.chatId}\n${call.caption ?? call.text}`);
    const duplicates = received.length - new Set(received).size;
    process.stdout.write(
      `crash (${dialect}): ${TOTAL} deliveries; ${sentBeforeKill} sent before the SIGKILL, ` +
        `${received.length - sentBeforeKill} after the restart; delivered ${counts.delivered ?? 0}, ` +
        `failed maybe_delivered ${counts.failed ?? 0}; messages received twice: ${duplicates}\n`,
    );
    // At most once: no message twice; only deliveries cut while sending end "maybe delivered".
    expect(duplicates).toBe(0);
    expect(reasons.every((reason) => reason.startsWith('maybe_delivered'))).toBe(true);
    expect(counts.failed ?? 0).toBeLessThanOrEqual(10);
    expect(new Set(received).size).toBeGreaterThanOrEqual(counts.delivered ?? 0);
    expect(received.length - sentBeforeKill).toBeGreaterThan(0);
    // Each release is stored once per item whatever the kill cut.
    for (const item of items.slice(0, 5)) {
      const page = await second.call('GET', `/api/v1/watchlist/${item.id}/results`, { token: item.token });
      expect(page.body.items).toHaveLength(RELEASES);
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
