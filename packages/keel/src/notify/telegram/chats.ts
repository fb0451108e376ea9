import type { Kysely, Transaction } from 'kysely';
import { ValidationError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { toDate } from '../rows.js';
import type { NotifyTables } from '../schema.js';

/**
 * A recipient's Telegram chat as notify keeps it.
 *
 * @example
 * ```ts
 * const chat: TelegramChat | undefined = await notifier.telegram.chat(user.id);
 * if (chat?.disabledAt) console.log('blocked the bot:', chat.disabledReason);
 * ```
 */
export interface TelegramChat {
  recipientId: string;
  chatId: string;
  /** When a 403 (the user blocked the bot) disabled the chat, or null. */
  disabledAt: Date | null;
  disabledReason: string | null;
}

// A private chat id is a positive integer, a group's negative; a channel may be `@name`.
const CHAT_ID = /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;

/**
 * Where each recipient's Telegram messages go. Linking again (the user unblocked the bot and
 * linked anew) enables a disabled chat.
 *
 * @example
 * ```ts
 * await notifier.telegram.linkChat(request.principal.id, String(body.chatId));
 * ```
 */
export class TelegramChats {
  constructor(
    private readonly store: Store<NotifyTables>,
    private readonly now: () => number,
  ) {}

  private db<DB>(trx?: Transaction<DB>): Kysely<NotifyTables> {
    return (
      (trx as unknown as Transaction<NotifyTables> | undefined) ?? this.store.currentTransaction() ?? this.store.db
    );
  }

  /** Links (or re-links, enabling) a recipient's chat; a malformed chat id is a ValidationError. */
  async linkChat<DB>(recipientId: string, chatId: string | number, trx?: Transaction<DB>): Promise<TelegramChat> {
    const id = String(chatId);
    if (!CHAT_ID.test(id)) {
      throw new ValidationError([{ location: 'body', path: 'chatId', message: 'must be a Telegram chat id' }]);
    }
    const now = this.now();
    await this.db(trx)
      .insertInto('keel_notify_telegram_chat')
      .values({
        recipient_id: recipientId,
        chat_id: id,
        disabled_at: null,
        disabled_reason: null,
        next_send_at: 0,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('recipient_id')
          .doUpdateSet({ chat_id: id, disabled_at: null, disabled_reason: null, updated_at: now }),
      )
      .execute();
    return { recipientId, chatId: id, disabledAt: null, disabledReason: null };
  }

  /** The recipient's chat, or undefined. */
  async chat<DB>(recipientId: string, trx?: Transaction<DB>): Promise<TelegramChat | undefined> {
    const row = await this.db(trx)
      .selectFrom('keel_notify_telegram_chat')
      .selectAll()
      .where('recipient_id', '=', recipientId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      recipientId: row.recipient_id,
      chatId: row.chat_id,
      disabledAt: toDate(row.disabled_at),
      disabledReason: row.disabled_reason,
    };
  }

  /** Forgets the recipient's chat; answers whether there was one. */
  async unlinkChat<DB>(recipientId: string, trx?: Transaction<DB>): Promise<boolean> {
    const result = await this.db(trx)
      .deleteFrom('keel_notify_telegram_chat')
      .where('recipient_id', '=', recipientId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
