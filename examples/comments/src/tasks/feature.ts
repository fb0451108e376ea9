import { defineFeature } from 'keel';
import { createTasks, type TaskType, tasksRoutes } from 'keel/tasks';
import { comments } from '../comments/feature.js';
import type { CommentsApp, CommentsDatabase } from '../database.js';
import { commentTaskTypes } from './definitions.js';

/**
 * Tasks: parse, analyze and export as `keel/tasks` types, run by `TASK_WORKERS` workers in this
 * process, results kept `TASK_RESULT_TTL_MS`, and the tasks routes (create, get, list mine, cancel,
 * download, progress over SSE) for the caller's own tasks. `extraTypes` adds a service's own types.
 */
export function tasksFeature(extraTypes: readonly TaskType[] = []) {
  return defineFeature({
    name: 'tasks',
    setup: (app: CommentsApp) => {
      const service = app.use(comments);
      const types = commentTaskTypes(service, { parseTimeoutMs: app.config.PARSE_TIMEOUT_MS });
      const tasks = createTasks<CommentsDatabase>({
        store: app.store,
        jobs: app.jobs,
        scheduler: app.scheduler,
        dataDir: app.config.DATA_DIR,
        types: [types.parse, types.analyze, types.export, ...extraTypes] as TaskType[],
        workers: app.config.TASK_WORKERS,
        resultTtlMs: app.config.TASK_RESULT_TTL_MS,
      });
      return {
        components: [tasks],
        routes: tasksRoutes(tasks, {
          guard: app.guards.authenticated,
          owner: (request) => String(request.principal.id),
          security: [{ bearerAuth: [] }],
        }),
        prefix: '/api/v1',
        exports: tasks,
      };
    },
  });
}
