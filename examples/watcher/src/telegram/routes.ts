import { NotFoundError } from 'keel/errors';
import type { AuthGuards, HttpRoutes } from 'keel/http';
import { z } from 'zod';
import type { WatcherNotifier } from '../notifications/feature.js';

const linkBody = z.object({
  chatId: z.union([z.number().int().safe(), z.string().trim().min(1).max(40)]),
});
const chatSchema = z.object({
  chatId: z.string(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
});
const security = [{ bearerAuth: [] }];

/** `PUT /users/me/telegram` links the caller's Telegram chat (re-linking re-enables it); `GET` shows it. */
export function telegramRoutes(notifier: WatcherNotifier, guards: AuthGuards): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', guards.authenticated);

    app.put(
      '/users/me/telegram',
      {
        schema: {
          tags: ['users'],
          summary: 'Link the Telegram chat that gets new releases',
          security,
          body: linkBody,
          response: { 200: chatSchema },
        },
      },
      async (request) => {
        const chat = await notifier.telegram.linkChat(request.principal.id, request.body.chatId);
        return { chatId: chat.chatId, disabledAt: null, disabledReason: null };
      },
    );

    app.get(
      '/users/me/telegram',
      {
        schema: {
          tags: ['users'],
          summary: "The caller's Telegram chat (disabled when the user blocked the bot)",
          security,
          problems: [404],
          response: { 200: chatSchema },
        },
      },
      async (request) => {
        const chat = await notifier.telegram.chat(request.principal.id);
        if (!chat) throw new NotFoundError('No Telegram chat is linked');
        return {
          chatId: chat.chatId,
          disabledAt: chat.disabledAt?.toISOString() ?? null,
          disabledReason: chat.disabledReason,
        };
      },
    );
  };
}
