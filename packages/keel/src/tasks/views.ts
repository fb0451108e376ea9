import { z } from 'zod';
import type { Task } from './types.js';
import { taskStates } from './types.js';

/**
 * A task's progress on the wire (the data of an SSE `progress` event).
 *
 * @example
 * ```ts
 * const progress = progressView.parse(JSON.parse(event.data));
 * ```
 */
export const progressView = z.object({
  done: z.number(),
  total: z.number().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: z.string().describe('ISO 8601'),
});

/**
 * A task on the wire (dates as ISO 8601, no owner): the answer of the task routes.
 *
 * @example
 * ```ts
 * app.get('/my-task', { schema: { response: { 200: taskView } } }, async () => toTaskView(await tasks.require(id)));
 * ```
 */
export const taskView = z.object({
  id: z.string(),
  type: z.string(),
  state: z.enum(taskStates),
  priority: z.number().int(),
  timeoutMs: z.number().int(),
  input: z.unknown(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  progress: progressView.nullable(),
  result: z.unknown().describe('The JSON result once succeeded, else null'),
  artifact: z.object({ filename: z.string(), contentType: z.string(), size: z.number().int() }).nullable(),
  error: z
    .object({
      code: z.enum(['failed', 'timeout', 'interrupted']),
      message: z.string(),
      reason: z.string().optional().describe("The code of the handler's own error, from the error registry"),
    })
    .nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  cancelRequestedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});

/**
 * The wire shape of a task.
 *
 * @example
 * ```ts
 * const view: TaskView = toTaskView(task);
 * ```
 */
export type TaskView = z.infer<typeof taskView>;

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/**
 * A task as sent over HTTP (and in SSE `state` events).
 *
 * @example
 * ```ts
 * reply.status(202).send(toTaskView(await tasks.create(parsePost, input, { owner })));
 * ```
 */
export function toTaskView(task: Task): TaskView {
  return {
    id: task.id,
    type: task.type,
    state: task.state,
    priority: task.priority,
    timeoutMs: task.timeoutMs,
    input: task.input,
    attempts: task.attempts,
    maxAttempts: task.maxAttempts,
    progress: task.progress ? { ...task.progress, updatedAt: task.progress.updatedAt.toISOString() } : null,
    result: task.result,
    artifact: task.artifact,
    error: task.error,
    createdAt: task.createdAt.toISOString(),
    startedAt: iso(task.startedAt),
    finishedAt: iso(task.finishedAt),
    cancelRequestedAt: iso(task.cancelRequestedAt),
    expiresAt: iso(task.expiresAt),
  };
}
