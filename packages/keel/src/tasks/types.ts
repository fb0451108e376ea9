import type { Readable, Writable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { EnqueuedJob, EnqueueOptions, JobType } from '../jobs/index.js';
import type { Store } from '../store/index.js';

/**
 * Where a task is in its life. `queued` (waiting for a worker, also between attempts), `running`,
 * `cancelling` (cancel asked, the handler is being stopped), then `cancelled`, `succeeded`, `failed`,
 * and `expired` (succeeded, its result past its TTL and removed). An unknown id is never a state.
 *
 * @example
 * ```ts
 * const done: TaskState[] = ['cancelled', 'succeeded', 'failed', 'expired'];
 * ```
 */
export type TaskState = 'queued' | 'running' | 'cancelling' | 'cancelled' | 'succeeded' | 'failed' | 'expired';

/**
 * Every {@link TaskState}, in lifecycle order.
 *
 * @example
 * ```ts
 * const query = z.object({ state: z.enum(taskStates).optional() });
 * ```
 */
export const taskStates = [
  'queued',
  'running',
  'cancelling',
  'cancelled',
  'succeeded',
  'failed',
  'expired',
] as const satisfies readonly TaskState[];

/**
 * The states a task never leaves (but `succeeded`, which turns `expired`).
 *
 * @example
 * ```ts
 * if (finalTaskStates.includes(task.state)) stream.end();
 * ```
 */
export const finalTaskStates: readonly TaskState[] = ['cancelled', 'succeeded', 'failed', 'expired'];

/**
 * A task's last stored progress: never lower than before, kept across restarts and retries.
 *
 * @example
 * ```ts
 * const percent = task.progress?.total ? (100 * task.progress.done) / task.progress.total : null;
 * ```
 */
export interface TaskProgress {
  done: number;
  /** `null` while the total is unknown. */
  total: number | null;
  details: Record<string, unknown> | null;
  updatedAt: Date;
}

/**
 * The file a task produced (its download).
 *
 * @example
 * ```ts
 * if (task.artifact) console.log(`${task.artifact.filename}: ${task.artifact.size} bytes`);
 * ```
 */
export interface TaskArtifactInfo {
  filename: string;
  contentType: string;
  size: number;
}

/**
 * Why a task failed: `failed` (its handler threw), `timeout` (cut at its timeout), `interrupted`
 * (its worker stopped and no attempt was left).
 *
 * @example
 * ```ts
 * if (task.error?.code === 'timeout') console.log('cut at', task.timeoutMs, 'ms');
 * ```
 */
export interface TaskError {
  code: 'failed' | 'timeout' | 'interrupted';
  message: string;
  /** The error code of a KeelError the handler threw (or gave as a PermanentTaskError's cause), e.g. `vk_api_error`. */
  reason?: string;
}

/**
 * A task as its owner sees it.
 *
 * @example
 * ```ts
 * const task: Task = await tasks.require(id, { owner: userId });
 * if (task.state === 'succeeded') console.log(task.result);
 * ```
 */
export interface Task<I = unknown, R = unknown> {
  /** Time-ordered, unguessable, safe to show. */
  id: string;
  type: string;
  owner: string;
  state: TaskState;
  /** Higher runs first. */
  priority: number;
  /** The timeout of each attempt. */
  timeoutMs: number;
  input: I;
  /** Attempts started so far. */
  attempts: number;
  maxAttempts: number;
  progress: TaskProgress | null;
  /** The handler's JSON result once succeeded, else `null`. */
  result: R | null;
  /** The file the task wrote, once succeeded, else `null`. */
  artifact: TaskArtifactInfo | null;
  error: TaskError | null;
  createdAt: Date;
  /** When the last attempt started. */
  startedAt: Date | null;
  finishedAt: Date | null;
  cancelRequestedAt: Date | null;
  /** When a succeeded task's result expires. */
  expiresAt: Date | null;
}

/**
 * Which file a handler writes: its download name and media type.
 *
 * @example
 * ```ts
 * const meta: TaskArtifactMeta = { filename: 'comments.csv', contentType: 'text/csv; charset=utf-8' };
 * ```
 */
export interface TaskArtifactMeta {
  /** The download's file name (any characters; sent per RFC 6266 with `filename*`). 1-255 characters. */
  filename: string;
  /** The media type; its essence must be among the task type's `artifactTypes`. */
  contentType: string;
}

/**
 * The file a handler writes its result to: write through `stream()`, or hand `path` to a library.
 *
 * @example
 * ```ts
 * const file = task.artifact({ filename: 'comments.xlsx', contentType: XLSX });
 * const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file.path });
 * ```
 */
export interface TaskArtifact {
  /** Absolute path of the file (its folder exists). */
  readonly path: string;
  /** A new write stream to `path` (truncating it). */
  stream(): Writable;
}

/**
 * What a task handler gets: its input, abort signal, progress, checkpoint, artifact and the store.
 * `C` is the checkpoint's type.
 *
 * @example
 * ```ts
 * handler: async (task: TaskContext<{ postId: number }, Database, { offset: number }>) => {
 *   for (let offset = task.resume?.offset ?? 0; offset < total; offset += 100) {
 *     task.signal.throwIfAborted();
 *     await fetchPage(task.input.postId, offset, { signal: task.signal });
 *     task.progress(offset + 100, total);
 *     await task.checkpoint({ offset: offset + 100 });
 *   }
 * }
 * ```
 */
export interface TaskContext<I = unknown, DB = unknown, C = unknown> {
  /** The task's public id. */
  id: string;
  type: string;
  owner: string;
  /** 1 for the first attempt. */
  attempt: number;
  input: I;
  /**
   * Aborts when the task is cancelled (reason {@link TaskCancelledError}), reaches its timeout
   * (`TimeoutError`), or its run is interrupted by shutdown or a takeover ({@link TaskInterruptedError}).
   */
  signal: AbortSignal;
  /** The checkpoint an earlier attempt stored, or `null`. */
  resume: C | null;
  logger: Logger;
  store: Store<DB>;
  /**
   * Reports progress: stored coalesced (at most every `progressIntervalMs`), and a `done` lower than
   * the last one is ignored so it never goes backwards. Bad numbers throw a UsageError.
   */
  progress(done: number, total?: number | null, details?: Record<string, unknown>): void;
  /** Stores `data` (JSON) as the checkpoint a retried attempt resumes from, with the latest progress. */
  checkpoint(data: C): Promise<void>;
  /** The task's result file (one per task; calling again starts it over). */
  artifact(meta: TaskArtifactMeta): TaskArtifact;
  /** Writes the result file from a string, bytes, or a stream / async iterable of chunks. */
  writeArtifact(
    meta: TaskArtifactMeta,
    body: string | Uint8Array | Readable | AsyncIterable<string | Uint8Array>,
  ): Promise<{ size: number }>;
  /** Enqueues a keel/jobs job (joins `store.transaction(...)` like `jobs.enqueue`). */
  enqueue<JI, JO, JR>(
    type: JobType<JI, JO, JR>,
    payload: JI,
    options?: EnqueueOptions<Transaction<DB>>,
  ): Promise<EnqueuedJob>;
  /** Creates a follow-up task, owned by this task's owner unless `options.owner` says otherwise. */
  createTask<TI, TR>(
    type: TaskTypeRef<TI, TR>,
    input: TI,
    options?: Partial<CreateTaskOptions<DB>>,
  ): Promise<Task<TI, TR>>;
}

/**
 * A task type as the manager's methods take it (made by `defineTask`).
 *
 * @example
 * ```ts
 * const ref: TaskTypeRef<{ postId: number }> = parsePost;
 * ```
 */
export interface TaskTypeRef<I = unknown, R = unknown> {
  readonly name: string;
  /** Type-only marker of the input and result. */
  readonly __types?: { input: I; result: R };
}

/**
 * Options of {@link TaskManager.create}.
 *
 * @example
 * ```ts
 * await tasks.create(parsePost, { ownerId: -1, postId: 2 }, { owner: userId, priority: 5 });
 * ```
 */
export interface CreateTaskOptions<DB = unknown> {
  /** Who the task belongs to (a user id, a tenant): lists, limits and the HTTP routes go by it. 1-200 characters. */
  owner: string;
  /** An integer; higher runs first. Default: the type's priority, else 0. */
  priority?: number;
  /** The timeout of each attempt. Default: the type's, else the manager's `timeoutMs`. */
  timeoutMs?: number;
  /** Not before this many ms from now. Default: 0. */
  delayMs?: number;
  /** The store transaction to create it in: it exists if and only if that commits. Default: the ambient one. */
  transaction?: Transaction<DB>;
}

/**
 * A filter and page of {@link TaskManager.list}.
 *
 * @example
 * ```ts
 * const page = await tasks.list({ owner: userId, state: 'running', limit: 20 });
 * ```
 */
export interface ListTasksQuery {
  /** Default: every owner. */
  owner?: string;
  /** Default: every state. */
  state?: TaskState;
  /** Default: every type. */
  type?: string;
  /** 1 to 100. Default: 20. */
  limit?: number;
  /** The previous page's `nextCursor`. Default: the first page (newest). */
  cursor?: string;
}

/**
 * One page of tasks, newest first.
 *
 * @example
 * ```ts
 * let page = await tasks.list({ owner });
 * while (page.nextCursor) page = await tasks.list({ owner, cursor: page.nextCursor });
 * ```
 */
export interface TaskPage {
  items: Task[];
  /** Pass as `cursor` for the next page; `null` on the last. */
  nextCursor: string | null;
}

/**
 * A succeeded task's result, from {@link TaskManager.openResult}: a file to stream, or JSON.
 *
 * @example
 * ```ts
 * const result = await tasks.openResult(id, { owner });
 * if (result.kind === 'file') result.stream.pipe(response);
 * ```
 */
export type TaskResult =
  | { kind: 'file'; filename: string; contentType: string; size: number; stream: Readable }
  | { kind: 'json'; result: unknown };

/**
 * Scopes a read or cancel to one owner: another owner's task is "not found".
 *
 * @example
 * ```ts
 * await tasks.cancel(id, { owner: request.principal.id });
 * ```
 */
export interface OwnerScope {
  /** Default: any owner (an internal caller). */
  owner?: string;
}
