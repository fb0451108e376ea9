import { createHash } from 'node:crypto';
import type { Logger } from 'keel/logging';
import type { Store } from 'keel/store';
import { newId } from '../common/ids.js';
import type { WatcherDatabase } from '../database.js';
import type { IndexerClient } from '../indexer/client.js';
import type { IndexerRelease } from '../indexer/wire.js';
import type { WatcherNotifier } from '../notifications/feature.js';
import type { ItemRow, WatchlistRepository } from './repository.js';
import { itemView } from './views.js';

/** What one check of an item did. */
export interface CheckOutcome {
  itemId: string;
  /** Releases the indexer answered. */
  answered: number;
  /** New releases that passed the filters and were stored (one message each). */
  stored: number;
  /** `deleted`: the item was gone before its check ran. */
  skipped?: 'deleted';
}

/** True when a release passes an item's filters. */
export function passesFilters(item: ItemRow, release: IndexerRelease): boolean {
  const view = itemView(item);
  if (view.minSeeders !== null && (release.seeders ?? 0) < view.minSeeders) return false;
  if (view.maxSizeBytes !== null && release.size > view.maxSizeBytes) return false;
  return true;
}

// Guids are often URLs of any length; the idempotency key stays short and fixed.
function releaseKey(itemId: string, guid: string): string {
  return `release:${itemId}:${createHash('sha256').update(guid).digest('base64url').slice(0, 32)}`;
}

/**
 * One check of a watchlist item: search the indexer, keep the releases whose guid the item has not
 * stored yet and that pass its filters, and store each with its Telegram notification in one
 * transaction (both or neither; a concurrent check of the same item stores nothing twice).
 */
export class ItemChecker {
  constructor(
    private readonly store: Store<WatcherDatabase>,
    private readonly items: WatchlistRepository,
    private readonly indexer: IndexerClient,
    private readonly notifier: WatcherNotifier,
    private readonly logger: Logger,
  ) {}

  async check(itemId: string, signal?: AbortSignal): Promise<CheckOutcome> {
    const item = await this.items.item(itemId);
    if (!item) return { itemId, answered: 0, stored: 0, skipped: 'deleted' };
    const { categories } = itemView(item);
    const answered = await this.indexer.search({ query: item.query, categories }, signal);
    const unique = new Map<string, IndexerRelease>();
    for (const release of answered) if (!unique.has(release.guid)) unique.set(release.guid, release);
    const known = await this.items.knownGuids(item.id, [...unique.keys()]);
    const fresh = [...unique.values()].filter((release) => !known.has(release.guid) && passesFilters(item, release));
    const now = new Date().toISOString();
    let stored = 0;
    await this.store.transaction(async (trx) => {
      // The item may have been deleted while the search ran: its releases would have no owner.
      if (!(await this.items.item(item.id))) return;
      for (const release of fresh) {
        const row = {
          id: newId(),
          item_id: item.id,
          guid: release.guid,
          title: release.title,
          size: release.size,
          publish_date: new Date(release.publishDate).toISOString(),
          seeders: release.seeders ?? null,
          indexer: release.indexer ?? null,
          info_url: release.infoUrl ?? null,
          download_url: release.downloadUrl ?? null,
          poster_url: release.posterUrl ?? null,
          notification_id: null,
          found_at: now,
        };
        if (!(await this.items.insertRelease(row))) continue;
        const notification = await this.notifier.notify(trx, {
          recipientId: item.user_id,
          type: 'release.found',
          payload: {
            itemId: item.id,
            query: item.query,
            title: row.title,
            size: release.size,
            seeders: row.seeders,
            indexer: row.indexer,
            infoUrl: row.info_url,
            downloadUrl: row.download_url,
            posterUrl: row.poster_url,
            publishDate: row.publish_date,
          },
          idempotencyKey: releaseKey(item.id, release.guid),
        });
        await this.items.setNotification(row.id, notification.id);
        stored += 1;
      }
      await this.items.markChecked(item.id, now);
    });
    if (stored > 0) this.logger.info({ itemId: item.id, answered: answered.length, stored }, 'new releases found');
    return { itemId: item.id, answered: answered.length, stored };
  }
}
