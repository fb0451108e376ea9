import { type App, type AppOptions, createApp } from 'keel';
import { accountsFeature } from 'keel/accounts';
import type { LogDestination } from 'keel/logging';
import type { TaskManager, TaskType } from 'keel/tasks';
import { comments } from './comments/feature.js';
import type { CommentsConfig } from './config.js';
import type { CommentsDatabase } from './database.js';
import { tasksFeature } from './tasks/feature.js';

/** Users, registration and login with access tokens (`/api/v1/auth/*`, `/api/v1/users/me`). */
export const accounts = accountsFeature<CommentsDatabase, CommentsConfig>({ issuer: 'comments' });

/** The comments service, assembled but not started, with its task manager. */
export type CommentsServiceApp = App<CommentsDatabase, CommentsConfig> & { tasks: TaskManager<CommentsDatabase> };

/** Options of {@link createCommentsService}. */
export interface CommentsServiceOptions {
  /** Where logs go. Default: stdout. */
  logDestination?: LogDestination;
  /** Serve HTTP; `false` runs only the task workers. Default: `true`. */
  http?: boolean;
  /** Job queue settings beyond the config's (tests poll faster). Default: none. */
  jobs?: AppOptions<CommentsDatabase, CommentsConfig>['jobs'];
  /** Task types of the service's own, beside parse, analyze and export. Default: none. */
  taskTypes?: readonly TaskType[];
}

/** Builds the comments parser from its configuration: accounts, comments and tasks. */
export function createCommentsService(
  config: CommentsConfig,
  options: CommentsServiceOptions = {},
): CommentsServiceApp {
  const { taskTypes, ...appOptions } = options;
  const tasks = tasksFeature(taskTypes);
  const app = createApp<CommentsDatabase, CommentsConfig>({
    name: 'comments',
    config,
    features: [accounts, comments, tasks],
    openapi: {
      title: 'Comments parser API',
      version: '1.0.0',
      description:
        'Parse, analyze and export the comments of VK wall posts, as tasks with progress, cancel and results.',
    },
    ...appOptions,
  });
  return Object.assign(app, { tasks: app.use(tasks) });
}
