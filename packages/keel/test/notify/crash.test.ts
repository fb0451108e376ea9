import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyTables } from '../../src/notify/schema.js';
import { Service } from '../../src/service/index.js';
import { type Kysely, Store } from '../../src/store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../../src/testing/index.js';
import { BotApiFixture } from './fixtures/bot-api.js';
import { WebhookReceiver } from './fixtures/webhook-receiver.js';

const fixture = fileURLToPath(new URL('./fixtures/notify-service.ts', import.meta.url));
const BURST = 120;

async function spawnService(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString()}`.slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} before ready: ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

for (const dialect of testDialects) {
  describe(`keel/notify after a SIGKILL mid-burst on ${dialect}`, () => {
    let database: TestDatabase;
    let bot: BotApiFixture;
    let receiver: WebhookReceiver;
    const children: ChildProcess[] = [];
    const service = new Service({ name: 'probe', logger: pino({ level: 'silent' }) });
    let store: Store<NotifyTables>;

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      bot = await new BotApiFixture().start();
      receiver = await new WebhookReceiver().start();
      // Slow answers keep deliveries in flight when the kill comes.
      bot.reply = () => ({ ok: true, delayMs: 40 });
      receiver.reply = () => ({ status: 200, delayMs: 40 });
    });
    afterAll(async () => {
      for (const child of children) await kill(child);
      await service.stop().catch(() => undefined);
      await bot?.stop();
      await receiver?.stop();
      await database?.drop();
    });

    it('sends no Telegram message twice, and every remaining delivery goes out after a restart', {
      timeout: 90_000,
    }, async () => {
      const env = {
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
        DATA_DIR: database.dataDir,
        BOT_URL: bot.url,
        HOOK_URL: receiver.url('/crash'),
      };
      const first = await spawnService({ ...env, BURST: String(BURST) });
      children.push(first);
      await eventually(
        async () => {
          if (bot.calls.length + receiver.received.length < 20) throw new Error('burst not under way');
        },
        { timeoutMs: 30_000, intervalMs: 5 },
      );
      await kill(first);
      const atKill = { telegram: bot.calls.length, webhook: receiver.received.length };

      store = new Store<NotifyTables>(database.options);
      service.add(store);
      await service.start();
      const db = store.db as Kysely<NotifyTables>;
      const left = await db
        .selectFrom('keel_notify_delivery')
        .select(['state'])
        .where('state', 'in', ['queued', 'sending'])
        .execute();
      expect(left.length).toBeGreaterThan(0);

      children.push(await spawnService(env));
      const deliveries = await eventually(
        async () => {
          const rows = await db.selectFrom('keel_notify_delivery').selectAll().execute();
          if (rows.length !== BURST) throw new Error(`${rows.length} deliveries`);
          const open = rows.filter((r) => r.state === 'queued' || r.state === 'sending');
          if (open.length > 0) throw new Error(`${open.length} still open`);
          return rows;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );

      const telegram = deliveries.filter((d) => d.channel === 'telegram');
      const webhook = deliveries.filter((d) => d.channel === 'webhook');
      const callsPerChat = new Map<string, number>();
      for (const call of bot.calls) callsPerChat.set(call.chatId, (callsPerChat.get(call.chatId) ?? 0) + 1);
      const receiptsPerId = new Map<string, number>();
      for (const hook of receiver.received) {
        const id = String(hook.headers['webhook-id']);
        receiptsPerId.set(id, (receiptsPerId.get(id) ?? 0) + 1);
      }

      // Telegram, at most once: never two messages to one chat; delivered ones arrived once; the
      // ones cut off mid-send are failed `maybe_delivered` and never sent again.
      expect([...callsPerChat.values()].every((count) => count === 1)).toBe(true);
      const maybe = telegram.filter((d) => d.state === 'failed');
      for (const d of telegram) {
        if (d.state === 'delivered') expect(callsPerChat.get(d.target!)).toBe(1);
        else {
          expect(d.state).toBe('failed');
          expect(d.reason).toMatch(/^maybe_delivered/);
        }
      }
      // Webhooks, at least once: every one delivered; a copy only of one that was in flight at the kill.
      expect(webhook.every((d) => d.state === 'delivered')).toBe(true);
      expect(webhook.every((d) => (receiptsPerId.get(d.id) ?? 0) >= 1)).toBe(true);
      const duplicated = [...receiptsPerId.values()].filter((count) => count > 1).length;
      expect(duplicated).toBeLessThanOrEqual(8);

      const counts = {
        dialect,
        sentBeforeKill: atKill,
        telegram: {
          deliveries: telegram.length,
          delivered: telegram.filter((d) => d.state === 'delivered').length,
          maybeDelivered: maybe.length,
          maybeDeliveredThatArrived: maybe.filter((d) => callsPerChat.has(d.target!)).length,
          messages: bot.calls.length,
          duplicates: [...callsPerChat.values()].filter((count) => count > 1).length,
        },
        webhook: {
          deliveries: webhook.length,
          delivered: webhook.filter((d) => d.state === 'delivered').length,
          requests: receiver.received.length,
          deliveredTwice: duplicated,
        },
      };
      console.log(`notify crash counts: ${JSON.stringify(counts)}`);
      expect(counts.telegram.delivered + counts.telegram.maybeDelivered).toBe(BURST / 2);
      expect(counts.webhook.delivered).toBe(BURST / 2);
    });
  });
}
