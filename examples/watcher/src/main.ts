import { ConfigError } from 'keel/errors';
import { loadWatcherConfig } from './config.js';
import { createWatcher } from './watcher.js';

try {
  const watcher = createWatcher(loadWatcherConfig());
  await watcher.service.run();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
