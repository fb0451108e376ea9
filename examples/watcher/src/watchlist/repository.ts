import type { Kysely, Selectable, Store } from 'keel/store';
import type { WatcherDatabase } from '../database.js';
import type { WatchlistItemsTable, WatchReleasesTable } from './tables.js';

/** A stored watchlist item. */
export type ItemRow = Selectable<WatchlistItemsTable>;
/** A stored release. */
export type ReleaseRow = Selectable<WatchReleasesTable>;

/** Reads and writes watchlist items and their releases, inside the caller's transaction when there is one. */
export class WatchlistRepository {
  constructor(private readonly store: Store<WatcherDatabase>) {}

  private get db(): Kysely<WatcherDatabase> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  async insertItem(item: ItemRow): Promise<void> {
    await this.db.insertInto('watchlist_items').values(item).execute();
  }

  async item(id: string): Promise<ItemRow | undefined> {
    return this.db.selectFrom('watchlist_items').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A user's items, oldest first. */
  async itemsOf(userId: string): Promise<ItemRow[]> {
    return this.db
      .selectFrom('watchlist_items')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Ids of every item after `afterId`, `limit` at a time (the schedule walks them all). */
  async itemIdsAfter(afterId: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('watchlist_items')
      .select('id')
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async deleteItem(id: string): Promise<void> {
    await this.db.deleteFrom('watchlist_items').where('id', '=', id).execute();
  }

  async markChecked(id: string, at: string): Promise<void> {
    await this.db.updateTable('watchlist_items').set({ last_checked_at: at }).where('id', '=', id).execute();
  }

  /** The guids among `guids` already stored for the item. */
  async knownGuids(itemId: string, guids: readonly string[]): Promise<Set<string>> {
    const known = new Set<string>();
    // Bounded IN lists: an indexer may answer hundreds of releases.
    for (let i = 0; i < guids.length; i += 500) {
      const rows = await this.db
        .selectFrom('watch_releases')
        .select('guid')
        .where('item_id', '=', itemId)
        .where('guid', 'in', guids.slice(i, i + 500))
        .execute();
      for (const row of rows) known.add(row.guid);
    }
    return known;
  }

  /** Stores a release unless the item has it already; true when this call stored it. */
  async insertRelease(release: ReleaseRow): Promise<boolean> {
    const inserted = await this.db
      .insertInto('watch_releases')
      .values(release)
      .onConflict((oc) => oc.columns(['item_id', 'guid']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async setNotification(releaseId: string, notificationId: string): Promise<void> {
    await this.db
      .updateTable('watch_releases')
      .set({ notification_id: notificationId })
      .where('id', '=', releaseId)
      .execute();
  }

  /** One page of an item's releases, newest published first, after the keyset `after`. */
  async releases(itemId: string, limit: number, after: { key: string; id: string } | undefined): Promise<ReleaseRow[]> {
    let query = this.db.selectFrom('watch_releases').selectAll().where('item_id', '=', itemId);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('publish_date', '<', after.key),
          eb.and([eb('publish_date', '=', after.key), eb('id', '<', after.id)]),
        ]),
      );
    }
    return query.orderBy('publish_date', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }

  /** How many releases the item has. */
  async releaseCount(itemId: string): Promise<number> {
    const row = await this.db
      .selectFrom('watch_releases')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('item_id', '=', itemId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
