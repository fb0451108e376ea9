import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Kysely, Transaction } from 'kysely';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import type { Store } from '../../store/index.js';
import { toDate } from '../rows.js';
import type { NotifyTables, WebhookEndpointRow } from '../schema.js';
import { isPrivateAddress } from './address-guard.js';
import { isWebhookSecret, newWebhookSecret } from './signature.js';

/**
 * A recipient's webhook endpoint.
 *
 * @example
 * ```ts
 * const endpoint: WebhookEndpoint = await notifier.webhooks.addEndpoint(user.id, { url: 'https://example.com/hooks' });
 * ```
 */
export interface WebhookEndpoint {
  id: string;
  recipientId: string;
  url: string;
  /** The newest secret (`whsec_…`), the one receivers should switch to. */
  secret: string;
  /** When a 410 (or an operator) disabled it, or null. */
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
}

/** A stored secret; an older one expires after a rotation's overlap. */
export interface StoredSecret {
  secret: string;
  expiresAt: number | null;
}

/** The secrets still valid at `now`, newest first. */
export function liveSecrets(row: Pick<WebhookEndpointRow, 'secrets'>, now: number): string[] {
  return (JSON.parse(row.secrets) as StoredSecret[])
    .filter((s) => s.expiresAt === null || s.expiresAt > now)
    .map((s) => s.secret);
}

function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  const [newest] = JSON.parse(row.secrets) as StoredSecret[];
  return {
    id: row.id,
    recipientId: row.recipient_id,
    url: row.url,
    secret: newest!.secret,
    disabledAt: toDate(row.disabled_at),
    disabledReason: row.disabled_reason,
    createdAt: toDate(row.created_at)!,
  };
}

/**
 * Recipients' webhook endpoints. A URL must be http(s); an IP literal in a private, loopback or
 * link-local range is refused unless the webhook channel allows private targets (names are checked
 * again on every delivery, on the address they resolve to).
 *
 * @example
 * ```ts
 * const { secret } = await notifier.webhooks.addEndpoint(customer.id, { url: body.url });
 * ```
 */
export class WebhookEndpoints {
  constructor(
    private readonly store: Store<NotifyTables>,
    private readonly now: () => number,
    private readonly allowPrivateTargets: boolean,
  ) {}

  private db<DB>(trx?: Transaction<DB>): Kysely<NotifyTables> {
    return (
      (trx as unknown as Transaction<NotifyTables> | undefined) ?? this.store.currentTransaction() ?? this.store.db
    );
  }

  private checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError([{ location: 'body', path: 'url', message: 'must be an absolute URL' }]);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ValidationError([{ location: 'body', path: 'url', message: 'must be an http or https URL' }]);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!this.allowPrivateTargets && (host === 'localhost' || (isIP(host) !== 0 && isPrivateAddress(host)))) {
      throw new ValidationError([
        { location: 'body', path: 'url', message: 'must not target a private, loopback or link-local address' },
      ]);
    }
    return url.toString();
  }

  /** Adds an endpoint, with a new secret unless one is given. */
  async addEndpoint<DB>(
    recipientId: string,
    input: { url: string; secret?: string },
    trx?: Transaction<DB>,
  ): Promise<WebhookEndpoint> {
    const url = this.checkUrl(input.url);
    if (input.secret !== undefined && !isWebhookSecret(input.secret)) {
      throw new ValidationError([{ location: 'body', path: 'secret', message: 'must be a whsec_ secret' }]);
    }
    const row: WebhookEndpointRow = {
      id: randomUUID(),
      recipient_id: recipientId,
      url,
      secrets: JSON.stringify([{ secret: input.secret ?? newWebhookSecret(), expiresAt: null }]),
      disabled_at: null,
      disabled_reason: null,
      created_at: this.now(),
    };
    await this.db(trx).insertInto('keel_notify_webhook_endpoint').values(row).execute();
    return toEndpoint(row);
  }

  /** A recipient's endpoints, oldest first. */
  async listEndpoints(recipientId: string): Promise<WebhookEndpoint[]> {
    const rows = await this.db()
      .selectFrom('keel_notify_webhook_endpoint')
      .selectAll()
      .where('recipient_id', '=', recipientId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toEndpoint);
  }

  /** One endpoint, or undefined. */
  async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const row = await this.db()
      .selectFrom('keel_notify_webhook_endpoint')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toEndpoint(row) : undefined;
  }

  /**
   * Gives an endpoint a new secret; the older ones keep signing (two signatures per request) until
   * `overlapMs` has passed, so the receiver can switch without a gap.
   */
  async rotateSecret(id: string, options: { overlapMs?: number; secret?: string } = {}): Promise<WebhookEndpoint> {
    const overlapMs = options.overlapMs ?? 86_400_000;
    if (!Number.isSafeInteger(overlapMs) || overlapMs < 0) {
      throw new ValidationError([{ location: 'body', path: 'overlapMs', message: 'must be 0 or more ms' }]);
    }
    return this.store.transaction(async (trx) => {
      const row = await trx
        .selectFrom('keel_notify_webhook_endpoint')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`Webhook endpoint ${id} was not found`);
      const now = this.now();
      const kept = (JSON.parse(row.secrets) as StoredSecret[])
        .filter((s) => s.expiresAt === null || s.expiresAt > now)
        .map((s) => ({
          secret: s.secret,
          expiresAt: Math.min(s.expiresAt ?? Number.MAX_SAFE_INTEGER, now + overlapMs),
        }));
      const secrets = JSON.stringify([{ secret: options.secret ?? newWebhookSecret(), expiresAt: null }, ...kept]);
      await trx.updateTable('keel_notify_webhook_endpoint').set({ secrets }).where('id', '=', id).execute();
      return toEndpoint({ ...row, secrets });
    });
  }

  /** Enables an endpoint a 410 disabled. */
  async enableEndpoint(id: string): Promise<WebhookEndpoint> {
    await this.db()
      .updateTable('keel_notify_webhook_endpoint')
      .set({ disabled_at: null, disabled_reason: null })
      .where('id', '=', id)
      .execute();
    const endpoint = await this.endpoint(id);
    if (!endpoint) throw new NotFoundError(`Webhook endpoint ${id} was not found`);
    return endpoint;
  }

  /** Removes an endpoint; answers whether it existed. */
  async removeEndpoint(id: string): Promise<boolean> {
    const result = await this.db().deleteFrom('keel_notify_webhook_endpoint').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
