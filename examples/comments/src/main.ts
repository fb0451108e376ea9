import { ConfigError } from 'keel/errors';
import { loadCommentsConfig } from './config.js';
import { createCommentsService } from './service.js';

try {
  const service = createCommentsService(loadCommentsConfig());
  await service.service.run();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
