import { defineErrorCode, KeelError, type KeelErrorOptions } from '../errors/index.js';

declare module '../errors/index.js' {
  interface ErrorCodes {
    task_not_cancellable: true;
    task_not_finished: true;
    task_result_expired: true;
    task_not_found: true;
  }
}

defineErrorCode('task_not_cancellable', { status: 409, title: 'The task cannot be cancelled' });
defineErrorCode('task_not_finished', { status: 409, title: 'The task has no result yet' });
defineErrorCode('task_result_expired', { status: 410, title: "The task's result has expired" });
defineErrorCode('task_not_found', { status: 404, title: 'No such task' });

/**
 * No task has that id (or, asked by an owner, it is another owner's): 404, never a state.
 *
 * @example
 * ```ts
 * try { await tasks.get(id); } catch (error) { if (error instanceof TaskNotFoundError) reply.status(404); }
 * ```
 */
export class TaskNotFoundError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('task_not_found', message, options);
  }
}

/**
 * A task that already ended (succeeded, failed, cancelled or expired) cannot be cancelled: 409.
 *
 * @example
 * ```ts
 * try { await tasks.cancel(id); } catch (error) { if (error instanceof TaskNotCancellableError) reply.status(409); }
 * ```
 */
export class TaskNotCancellableError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('task_not_cancellable', message, options);
  }
}

/**
 * The task has not succeeded (it is queued, running, failed or cancelled), so it has no result: 409.
 *
 * @example
 * ```ts
 * throw new TaskNotFinishedError('The task is still running');
 * ```
 */
export class TaskNotFinishedError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('task_not_finished', message, options);
  }
}

/**
 * The task's result outlived its TTL and was removed: 410 Gone.
 *
 * @example
 * ```ts
 * throw new TaskResultExpiredError('The result of this task expired');
 * ```
 */
export class TaskResultExpiredError extends KeelError {
  constructor(message: string, options?: KeelErrorOptions) {
    super('task_result_expired', message, options);
  }
}

/**
 * Thrown by a task handler to fail the task at once, without its remaining attempts (e.g. access denied).
 *
 * @example
 * ```ts
 * if (error.code === 15) throw new PermanentTaskError('Access to the post is denied');
 * ```
 */
export class PermanentTaskError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentTaskError';
  }
}

/**
 * The reason a task's signal aborts when the task was cancelled.
 *
 * @example
 * ```ts
 * if (task.signal.reason instanceof TaskCancelledError) task.logger.info('cancelled by the user');
 * ```
 */
export class TaskCancelledError extends Error {
  constructor(message = 'The task was cancelled') {
    super(message);
    this.name = 'TaskCancelledError';
  }
}

/**
 * The reason a task's signal aborts when its run is interrupted (shutdown, or another worker took it over):
 * the task runs again from its last checkpoint.
 *
 * @example
 * ```ts
 * if (task.signal.reason instanceof TaskInterruptedError) await task.checkpoint({ offset });
 * ```
 */
export class TaskInterruptedError extends Error {
  constructor(message = 'The task was interrupted; it will run again from its last checkpoint') {
    super(message);
    this.name = 'TaskInterruptedError';
  }
}

/** True when a handler's error must not be retried (also across duplicated module copies). */
export function isPermanentTaskError(error: unknown): boolean {
  return (
    error instanceof PermanentTaskError ||
    (error instanceof Error && (error.name === 'PermanentTaskError' || error.name === 'PermanentJobError'))
  );
}
