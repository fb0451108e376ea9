import type { FeatureContext } from 'keel';
import type { AccountTables } from 'keel/accounts';
import type { WatcherConfig } from './config.js';
import type { WatchlistTables } from './watchlist/tables.js';

/** The watcher's tables, each declared by the feature that owns it (keel/notify keeps its own). */
export interface WatcherDatabase extends AccountTables, WatchlistTables {}

/** What every watcher feature's setup is given. */
export type WatcherApp = FeatureContext<WatcherDatabase, WatcherConfig>;
