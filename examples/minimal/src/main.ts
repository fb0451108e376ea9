import { appConfigSchema, createApp } from 'keel';
import { loadConfig } from 'keel/config';
import { ConfigError } from 'keel/errors';
import { type Database, notes } from './notes.js';

try {
  const config = loadConfig(appConfigSchema);
  await createApp<Database>({ name: 'minimal', config, features: [notes] }).service.run();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
