import { Readable } from 'node:stream';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from '../../src/app/index.js';
import type { HttpReply, HttpRequest } from '../../src/http/index.js';
import {
  defineNotifications,
  type EmailChannelOptions,
  emailChannel,
  inboxChannel,
  type Notification,
  type Notifier,
  type TelegramChannelOptions,
  telegramChannel,
  type WebhookChannelOptions,
  webhookChannel,
} from '../../src/notify/index.js';
import type { Kysely, StoreDialect } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../../src/testing/index.js';

declare module '../../src/http/index.js' {
  interface Principal {
    name: string;
    admin: boolean;
  }
}

/** The business table of the tests: a write that notifications join. */
export interface TestDb {
  users: { id: string; email: string | null };
  orders: { id: string; user_id: string };
}

export const types = {
  'order.shipped': { payload: z.object({ orderId: z.string(), title: z.string() }), channels: ['inbox', 'telegram'] },
  'security.alert': { payload: z.object({ text: z.string() }), channels: ['inbox', 'telegram'], critical: true },
  'release.found': {
    payload: z.object({
      title: z.string(),
      posterUrl: z.string().optional(),
      posterBase64: z.string().optional(),
      stream: z.boolean().optional(),
    }),
    channels: ['telegram'],
  },
  'invoice.paid': { payload: z.object({ invoiceId: z.string(), amount: z.number() }), channels: ['webhook'] },
  'digest.weekly': { payload: z.object({ lines: z.array(z.string()) }), channels: ['email'] },
} as const;

export type TestNotifier = Notifier<typeof types>;

const headerAuth = {
  authenticate: async (request: HttpRequest, _reply: HttpReply) => {
    const name = request.headers['x-user'];
    return typeof name === 'string' ? { name, admin: request.headers['x-admin'] === '1' } : null;
  },
  isAdmin: (principal: { admin: boolean }) => principal.admin,
};

const users = defineFeature({
  name: 'users',
  setup: (_app: FeatureContext<TestDb>) => ({
    auth: headerAuth,
    migrations: {
      '0001_users': {
        async up(db: Kysely<unknown>) {
          await db.schema
            .createTable('users')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('email', 'text')
            .execute();
          await db.schema
            .createTable('orders')
            .addColumn('id', 'text', (c) => c.primaryKey())
            .addColumn('user_id', 'text', (c) => c.notNull())
            .execute();
        },
      },
    },
  }),
});

/** Channel options a test may change. */
export interface HarnessOptions {
  dialect: StoreDialect;
  telegram?: Partial<TelegramChannelOptions<Notification>>;
  webhook?: Partial<WebhookChannelOptions<Notification>>;
  email?: Partial<EmailChannelOptions<Notification>>;
  clock?: () => number;
  env?: Record<string, string>;
}

/** A service with users, orders and notifications on every channel. */
export async function startHarness(options: HarnessOptions): Promise<{ t: TestApp<TestDb>; notifier: TestNotifier }> {
  const notifications = defineNotifications({
    types,
    recipients: { table: 'users', column: 'id' },
    migrationPrefix: '0002',
    ...(options.clock ? { clock: options.clock } : {}),
    channels: () => ({
      inbox: inboxChannel({
        render: (n) => ({
          message:
            n.type === 'order.shipped' ? `Order ${n.payload.title} shipped` : `Alert: ${JSON.stringify(n.payload)}`,
          subjectId: n.type === 'order.shipped' ? n.payload.orderId : null,
        }),
      }),
      telegram: telegramChannel({
        botToken: '123456:TEST-token',
        render: (n) => {
          if (n.type === 'release.found') {
            const p = n.payload;
            if (p.posterUrl) return { photo: { url: p.posterUrl }, caption: p.title };
            if (p.posterBase64) {
              const bytes = Buffer.from(p.posterBase64, 'base64');
              if (p.stream) {
                return {
                  photo: { stream: Readable.from([bytes]), filename: 'poster.png', contentType: 'image/png' },
                  caption: p.title,
                };
              }
              return { photo: { buffer: bytes, filename: 'poster.png', contentType: 'image/png' }, caption: p.title };
            }
            return { text: `New release: ${p.title}` };
          }
          return { text: n.type === 'order.shipped' ? `Order ${n.payload.title} shipped` : `Alert: ${n.type}` };
        },
        ...options.telegram,
      }),
      webhook: webhookChannel({ allowPrivateTargets: true, ...options.webhook }),
      email: emailChannel({
        from: 'Keel <noreply@example.com>',
        address: async (recipientId, trx) => {
          const row = await (trx as unknown as Kysely<TestDb>)
            .selectFrom('users')
            .select('email')
            .where('id', '=', recipientId)
            .executeTakeFirst();
          return row?.email ?? null;
        },
        render: (n) => ({
          subject: 'Your weekly digest',
          text: n.type === 'digest.weekly' ? n.payload.lines.join('\n') : n.type,
        }),
        ...options.email,
      }),
    }),
  });
  const t = await createTestApp<TestDb>({
    dialect: options.dialect,
    features: [users, notifications],
    ...(options.env ? { env: options.env } : {}),
  });
  return { t, notifier: t.app.use(notifications) };
}
