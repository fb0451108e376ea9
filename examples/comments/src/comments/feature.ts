import { defineFeature } from 'keel';
import type { CommentsApp } from '../database.js';
import { VkClient } from '../vk/client.js';
import { CommentRepository } from './repository.js';
import { commentRoutes } from './routes.js';
import { CommentsService } from './service.js';
import { commentMigrations } from './tables.js';

/** Comments: the VK client, the stored comments and posts, and the comments API. */
export const comments = defineFeature({
  name: 'comments',
  setup: (app: CommentsApp) => {
    const vk = new VkClient({
      apiUrl: app.config.VK_API_URL,
      token: app.config.VK_TOKEN,
      version: app.config.VK_API_VERSION,
      ratePerSecond: app.config.VK_RATE_PER_SECOND,
      maxAttempts: app.config.VK_MAX_ATTEMPTS,
    });
    // Its retries and give-ups show in keel_resilience_* metrics and logs.
    app.resilience.add(vk.retries);
    const repository = new CommentRepository(app.store);
    const service = new CommentsService(repository, vk);
    return {
      migrations: commentMigrations,
      components: [vk.http],
      health: [vk.healthCheck()],
      routes: commentRoutes(repository, app.guards),
      prefix: '/api/v1',
      exports: service,
    };
  },
});
