/**
 * `keel/tasks`: tasks are durable jobs (keel/jobs) with a public face: an owner, honest states,
 * progress that survives restarts, cancel from any instance, timeouts that cut, results (JSON or a
 * file) with a TTL, per-owner limits, and an HTTP helper with downloads and Server-Sent Events.
 * @module
 */
export { defineTask, type TaskType, type TaskTypeDefinition } from './define-task.js';
export {
  PermanentTaskError,
  TaskCancelledError,
  TaskInterruptedError,
  TaskNotCancellableError,
  TaskNotFinishedError,
  TaskNotFoundError,
  TaskResultExpiredError,
} from './errors.js';
export type { TasksOptions } from './options.js';
export { type TasksRoutesOptions, tasksRoutes } from './routes.js';
export { createTasks, TaskManager } from './task-manager.js';
export {
  type CreateTaskOptions,
  finalTaskStates,
  type ListTasksQuery,
  type OwnerScope,
  type Task,
  type TaskArtifact,
  type TaskArtifactInfo,
  type TaskArtifactMeta,
  type TaskContext,
  type TaskError,
  type TaskPage,
  type TaskProgress,
  type TaskResult,
  type TaskState,
  type TaskTypeRef,
  taskStates,
} from './types.js';
export { type TaskView, taskView, toTaskView } from './views.js';
