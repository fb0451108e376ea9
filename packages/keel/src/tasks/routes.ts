import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { UsageError } from '../errors/index.js';
import type { HttpRequest, HttpRoutes } from '../http/index.js';
import { mediaTypeEssence } from './artifacts.js';
import { attachmentDisposition } from './content-disposition.js';
import type { TaskType } from './define-task.js';
import type { TaskManager } from './task-manager.js';
import { type Task, taskStates } from './types.js';
import { progressView, taskView, toTaskView } from './views.js';

/**
 * Options of {@link tasksRoutes}.
 *
 * @example
 * ```ts
 * const options: TasksRoutesOptions = { guard: app.guards.authenticated, owner: (request) => request.principal.id };
 * ```
 */
export interface TasksRoutesOptions {
  /** Runs before every route (e.g. `app.guards.authenticated`): who may call. */
  guard: (request: HttpRequest, reply: never) => Promise<void>;
  /** The caller's owner key: tasks are created for it, and only its tasks are seen. */
  owner: (request: HttpRequest) => string;
  /** Where the routes live. Default: `/tasks`. */
  path?: string;
  /** The types that get a create route (`POST {path}/{type}`). Default: every type of the manager. */
  types?: readonly TaskType[];
  /** The priorities a client may ask for (`priority` in the create body), or `false` for none. Default: `{ min: -100, max: 100 }`. */
  priority?: false | { min: number; max: number };
  /** OpenAPI tags. Default: `['tasks']`. */
  tags?: string[];
  /** OpenAPI security requirement of every route. Default: none declared. */
  security?: Record<string, string[]>[];
}

const optionsSchema = z.object({
  guard: option.fn(),
  owner: option.fn(),
  path: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path such as /tasks')
    .optional(),
  types: z.array(z.object({ name: z.string() }).loose()).optional(),
  priority: z
    .union([z.literal(false), z.object({ min: z.number().int(), max: z.number().int() })], {
      error: 'must be false or { min, max }',
    })
    .optional(),
  tags: z.array(z.string()).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});

const idParams = z.object({ id: z.string().max(64) });
const listQuery = z.object({
  state: z.enum(taskStates).optional(),
  type: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});
const pageView = z.object({ items: z.array(taskView), nextCursor: z.string().nullable() });

/** An SSE event: `event:` then one `data:` line of JSON. */
function sseEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** How often an idle event stream sends a comment, so proxies keep it open. */
const SSE_KEEPALIVE_MS = 15_000;

/**
 * The tasks' HTTP API as an {@link HttpRoutes} plugin, every route behind `guard` and scoped to the
 * caller's `owner`, all declared in OpenAPI: `POST {path}/{type}` (202, the task), `GET {path}?state&type&limit&cursor`,
 * `GET {path}/{id}`, `POST {path}/{id}/cancel` (202; 409 when it ended), `GET {path}/{id}/result` (the file,
 * streamed with its content type and an RFC 6266 content-disposition, or the JSON result; 409 before it
 * succeeded, 410 once expired), `GET {path}/{id}/events` (Server-Sent Events: `progress` events and
 * `state` events, the last one the final state). Another owner's task is a 404.
 *
 * @example
 * ```ts
 * routes: [tasksRoutes(tasks, { guard: app.guards.authenticated, owner: (request) => request.principal.id })],
 * prefix: '/api/v1',
 * ```
 */
export function tasksRoutes<DB>(tasks: TaskManager<DB>, options: TasksRoutesOptions): HttpRoutes {
  checkOptions('tasksRoutes', optionsSchema, options);
  const path = options.path ?? '/tasks';
  const types = options.types ?? tasks.taskTypes;
  const priorityRange = options.priority ?? { min: -100, max: 100 };
  const base = {
    tags: options.tags ?? ['tasks'],
    ...(options.security ? { security: options.security } : {}),
  };
  const owner = (request: HttpRequest): string => {
    const key = options.owner(request);
    if (typeof key !== 'string' || key.length === 0)
      throw new UsageError('tasksRoutes: owner() must return a non-empty string');
    return key;
  };
  const bodies = types.map((type) => ({ type, ...createBody(type, priorityRange) }));
  const resultTypes = [...new Set(types.flatMap((type) => type.artifactTypes.map(mediaTypeEssence)))];

  return async (app) => {
    app.addHook('onRequest', options.guard as never);

    for (const { type, body, wrapped } of bodies) {
      app.post(
        `${path}/${type.name}`,
        {
          schema: {
            ...base,
            summary: `Start a ${type.name} task`,
            description: `Queues a "${type.name}" task owned by the caller; watch it at ${path}/{id}.`,
            body,
            problems: [401, 403],
            response: { 202: taskView },
          },
        },
        async (request, reply) => {
          const { priority, input } = splitBody(request.body as Record<string, unknown>, wrapped);
          const task = await tasks.create(type, input, {
            owner: owner(request),
            ...(priority !== undefined ? { priority } : {}),
          });
          return reply
            .status(202)
            .header('location', `${request.url.replace(/\/[^/]*$/, '')}/${task.id}`)
            .send(toTaskView(task));
        },
      );
    }

    app.get(
      path,
      {
        schema: {
          ...base,
          summary: 'My tasks',
          description: "The caller's tasks newest first, by state and type; keyset pagination with `cursor`.",
          querystring: listQuery,
          problems: [401, 403],
          response: { 200: pageView },
        },
      },
      async (request) => {
        const { state, type, limit, cursor } = request.query as z.infer<typeof listQuery>;
        // A cursor that is no task id pages nowhere: an empty page, not a 500.
        const page = await tasks
          .list({
            owner: owner(request),
            limit,
            ...(state ? { state } : {}),
            ...(type ? { type } : {}),
            ...(cursor ? { cursor } : {}),
          })
          .catch((error: unknown) => {
            if (error instanceof UsageError && cursor) return { items: [] as Task[], nextCursor: null };
            throw error;
          });
        return { items: page.items.map(toTaskView), nextCursor: page.nextCursor };
      },
    );

    app.get(
      `${path}/:id`,
      {
        schema: {
          ...base,
          summary: 'One task',
          description: 'Its state, progress, result (JSON) or artifact, and error.',
          params: idParams,
          problems: [401, 403],
          response: { 200: taskView },
        },
      },
      async (request) =>
        toTaskView(await tasks.require((request.params as { id: string }).id, { owner: owner(request) })),
    );

    app.post(
      `${path}/:id/cancel`,
      {
        schema: {
          ...base,
          summary: 'Cancel a task',
          description:
            'A queued task is cancelled at once; a running one turns `cancelling` and stops within seconds. 409 once it ended.',
          params: idParams,
          problems: [401, 403, 409],
          response: { 202: taskView },
        },
      },
      async (request, reply) => {
        const task = await tasks.cancel((request.params as { id: string }).id, { owner: owner(request) });
        return reply.status(202).send(toTaskView(task));
      },
    );

    app.get(
      `${path}/:id/result`,
      {
        schema: {
          ...base,
          summary: "Download a task's result",
          description:
            'The file the task wrote (streamed, with its content type and an RFC 6266 content-disposition), or its JSON result. 409 before it succeeded; 410 once expired.',
          params: idParams,
          produces: ['application/json', ...resultTypes.filter((type) => type !== 'application/json')],
          problems: [401, 403, 409, 410],
          response: { 200: z.unknown().describe('The result file, or the JSON result') },
        },
      },
      async (request, reply) => {
        const result = await tasks.openResult((request.params as { id: string }).id, { owner: owner(request) });
        if (result.kind === 'json') return reply.type('application/json').send(JSON.stringify(result.result));
        return reply
          .type(result.contentType)
          .header('content-length', result.size)
          .header('content-disposition', attachmentDisposition(result.filename))
          .header('cache-control', 'private, no-store')
          .send(result.stream as never);
      },
    );

    app.get(
      `${path}/:id/events`,
      {
        schema: {
          ...base,
          summary: "Follow a task's progress",
          description:
            'Server-Sent Events: `progress` events (`{done,total,details,updatedAt}`) as it advances and `state` events (the task) when its state changes; the last event is its final state, then the stream ends.',
          params: idParams,
          produces: ['text/event-stream'],
          problems: [401, 403],
          response: {
            200: z
              .string()
              .describe(`event: progress | state; data: ${JSON.stringify(Object.keys(progressView.shape))} | the task`),
          },
        },
      },
      async (request, reply) => {
        const scope = { owner: owner(request) };
        const id = (request.params as { id: string }).id;
        await tasks.require(id, scope); // 404 before the stream starts
        const out = new PassThrough();
        const stop = new AbortController();
        out.on('close', () => stop.abort());
        void pump(tasks, id, scope.owner, stop.signal, out).catch((err: unknown) => {
          request.log.warn({ err, taskId: id }, 'task event stream failed');
          out.end();
        });
        return reply
          .type('text/event-stream')
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no')
          .send(out as never);
      },
    );
  };
}

async function pump<DB>(
  tasks: TaskManager<DB>,
  id: string,
  owner: string,
  signal: AbortSignal,
  out: PassThrough,
): Promise<void> {
  const keepalive = setInterval(() => out.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  let lastState: string | undefined;
  let lastProgress = '';
  try {
    out.write('retry: 2000\n\n');
    for await (const task of tasks.watch(id, { owner, signal })) {
      const view = toTaskView(task);
      const progress = JSON.stringify(
        view.progress && [view.progress.done, view.progress.total, view.progress.details],
      );
      if (view.progress && progress !== lastProgress) out.write(sseEvent('progress', view.progress));
      lastProgress = progress;
      if (view.state !== lastState) out.write(sseEvent('state', view));
      lastState = view.state;
    }
  } finally {
    clearInterval(keepalive);
    out.end();
  }
}

type Priority = false | { min: number; max: number };

/** The create body: the type's input object plus `priority`, or `{ input, priority }` for other inputs. */
function createBody(type: TaskType, priority: Priority): { body: z.ZodType; wrapped: boolean } {
  if (type.name.includes(':')) {
    throw new UsageError(`tasksRoutes: the task type "${type.name}" has a ":" and cannot be a path`);
  }
  const priorityField =
    priority === false ? undefined : z.number().int().min(priority.min).max(priority.max).optional();
  const schema = type.inputSchema as z.ZodType;
  if (schema instanceof z.ZodObject) {
    if (!priorityField) return { body: schema, wrapped: false };
    if ('priority' in schema.shape) {
      throw new UsageError(`tasksRoutes: the input of "${type.name}" has its own "priority"; set priority: false`);
    }
    return { body: schema.extend({ priority: priorityField }), wrapped: false };
  }
  return { body: z.object({ input: schema, ...(priorityField ? { priority: priorityField } : {}) }), wrapped: true };
}

function splitBody(body: Record<string, unknown>, wrapped: boolean): { priority: number | undefined; input: unknown } {
  const { priority, ...rest } = body as { priority?: number } & Record<string, unknown>;
  return { priority, input: wrapped ? rest.input : rest };
}
