import { type App, type AppOptions, createApp } from 'keel';
import type { LogDestination } from 'keel/logging';
import { comments } from './comments/feature.js';
import type { CommentsConfig } from './config.js';
import type { CommentsDatabase } from './database.js';

/** The comments service, assembled but not started. */
export type CommentsServiceApp = App<CommentsDatabase, CommentsConfig>;

/** Options of {@link createCommentsService}. */
export interface CommentsServiceOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: LogDestination;
  /** Serve HTTP; `false` runs only the task workers. Default: `true`. */
  http?: boolean;
  /** Job queue settings beyond the config's (tests poll faster). Default: none. */
  jobs?: AppOptions<CommentsDatabase, CommentsConfig>['jobs'];
}

/** Builds the comments parser from its configuration: accounts, comments and tasks. */
export function createCommentsService(config: CommentsConfig, options: CommentsServiceOptions = {}): CommentsServiceApp {
  return createApp<CommentsDatabase, CommentsConfig>({
    name: 'comments',
    config,
    features: [comments],
    openapi: {
      title: 'Comments parser API',
      version: '1.0.0',
      description: 'Parse, analyze and export the comments of VK wall posts, as tasks with progress, cancel and results.',
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    ...options,
  });
}
