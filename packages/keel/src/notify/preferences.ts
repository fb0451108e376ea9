import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { Store } from '../store/index.js';
import type { NotifyTables } from './schema.js';

/**
 * A recipient's choice: whether `channel` carries `type` (`*`: every type) to them.
 *
 * @example
 * ```ts
 * const mute: NotificationPreference = { type: '*', channel: 'telegram', enabled: false };
 * ```
 */
export interface NotificationPreference {
  type: string;
  channel: string;
  enabled: boolean;
}

const preferenceSchema = z.object({
  type: z.string().min(1).max(128),
  channel: z.string().min(1).max(128),
  enabled: z.boolean(),
});

/**
 * Per-recipient channel preferences. A type's own choice wins over the recipient's `*` choice;
 * critical types ignore both.
 *
 * @example
 * ```ts
 * await notifier.preferences.set(user.id, { type: 'release.found', channel: 'telegram', enabled: false });
 * ```
 */
export class NotificationPreferences {
  constructor(
    private readonly store: Store<NotifyTables>,
    private readonly known: { types: ReadonlySet<string>; channels: ReadonlySet<string> },
    private readonly now: () => number,
  ) {}

  private db(trx?: Transaction<NotifyTables>): Kysely<NotifyTables> {
    return trx ?? this.store.currentTransaction() ?? this.store.db;
  }

  /** Sets one choice (bad input, an unknown type or channel: ValidationError). */
  async set(recipientId: string, preference: NotificationPreference, trx?: Transaction<NotifyTables>): Promise<void> {
    const parsed = preferenceSchema.safeParse(preference);
    if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, 'body'));
    const { type, channel, enabled } = parsed.data;
    if (type !== '*' && !this.known.types.has(type)) {
      throw new ValidationError([{ location: 'body', path: 'type', message: `unknown notification type "${type}"` }]);
    }
    if (!this.known.channels.has(channel)) {
      throw new ValidationError([{ location: 'body', path: 'channel', message: `unknown channel "${channel}"` }]);
    }
    const row = { recipient_id: recipientId, type, channel, enabled: enabled ? 1 : 0, updated_at: this.now() };
    await this.db(trx)
      .insertInto('keel_notify_preference')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['recipient_id', 'type', 'channel'])
          .doUpdateSet({ enabled: row.enabled, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** Every choice a recipient made. */
  async get(recipientId: string): Promise<NotificationPreference[]> {
    const rows = await this.db()
      .selectFrom('keel_notify_preference')
      .selectAll()
      .where('recipient_id', '=', recipientId)
      .orderBy('type')
      .orderBy('channel')
      .execute();
    return rows.map((r) => ({ type: r.type, channel: r.channel, enabled: Number(r.enabled) === 1 }));
  }

  /** The channels of `candidates` the recipient switched off for `type`. */
  async disabledChannels(
    trx: Kysely<NotifyTables>,
    recipientId: string,
    type: string,
    candidates: readonly string[],
  ): Promise<Set<string>> {
    const rows = await trx
      .selectFrom('keel_notify_preference')
      .select(['type', 'channel', 'enabled'])
      .where('recipient_id', '=', recipientId)
      .where('type', 'in', [type, '*'])
      .execute();
    const off = new Set<string>();
    for (const channel of candidates) {
      const own = rows.find((r) => r.channel === channel && r.type === type);
      const all = rows.find((r) => r.channel === channel && r.type === '*');
      const choice = own ?? all;
      if (choice && Number(choice.enabled) === 0) off.add(channel);
    }
    return off;
  }
}
