export { EXAMPLE_JWT_SECRET, loadWatcherConfig, type WatcherConfig, watcherConfigSchema } from './config.js';
export type { WatcherDatabase } from './database.js';
export { createWatcher, type Watcher, type WatcherOptions } from './watcher.js';
