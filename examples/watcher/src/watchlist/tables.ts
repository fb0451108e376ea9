import type { Kysely, Migration } from 'keel/store';

/** A watched search of one user. Times are ISO 8601 UTC strings (sortable as text). */
export interface WatchlistItemsTable {
  id: string;
  user_id: string;
  query: string;
  /** Indexer category ids, as a JSON array. */
  categories: string;
  min_seeders: number | null;
  /** A bigint on PostgreSQL (read back as a string there). */
  max_size_bytes: number | string | null;
  created_at: string;
  last_checked_at: string | null;
}

/** A release found for an item: stored once per (item, guid). */
export interface WatchReleasesTable {
  id: string;
  item_id: string;
  guid: string;
  title: string;
  size: number | string;
  publish_date: string;
  seeders: number | null;
  indexer: string | null;
  info_url: string | null;
  download_url: string | null;
  poster_url: string | null;
  notification_id: string | null;
  found_at: string;
}

/** The tables the watchlist feature owns. */
export interface WatchlistTables {
  watchlist_items: WatchlistItemsTable;
  watch_releases: WatchReleasesTable;
}

/** Migrations of the watchlist (after the users they reference). */
export const watchlistMigrations: Record<string, Migration> = {
  '2026_12_08_010_watchlist': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('watchlist_items')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('query', 'text', (col) => col.notNull())
        .addColumn('categories', 'text', (col) => col.notNull())
        .addColumn('min_seeders', 'integer')
        .addColumn('max_size_bytes', 'bigint')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('last_checked_at', 'text')
        .execute();
      await db.schema
        .createIndex('watchlist_items_user_created')
        .on('watchlist_items')
        .columns(['user_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createTable('watch_releases')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('item_id', 'text', (col) => col.notNull().references('watchlist_items.id').onDelete('cascade'))
        .addColumn('guid', 'text', (col) => col.notNull())
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('size', 'bigint', (col) => col.notNull())
        .addColumn('publish_date', 'text', (col) => col.notNull())
        .addColumn('seeders', 'integer')
        .addColumn('indexer', 'text')
        .addColumn('info_url', 'text')
        .addColumn('download_url', 'text')
        .addColumn('poster_url', 'text')
        .addColumn('notification_id', 'text')
        .addColumn('found_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('watch_releases_item_guid', ['item_id', 'guid'])
        .execute();
      await db.schema
        .createIndex('watch_releases_item_published')
        .on('watch_releases')
        .columns(['item_id', 'publish_date', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('watch_releases').execute();
      await db.schema.dropTable('watchlist_items').execute();
    },
  },
};
