import { z } from 'zod';
import { checkOptions, option } from '../config/index.js';
import { ValidationError, zodIssuesToFieldErrors } from '../errors/index.js';
import type { BackoffOptions } from '../jobs/index.js';
// The jobs' own rule for a backoff option, so a task type's reads the same as a job type's.
import { backoffOption } from '../jobs/index.js';
import type { TaskContext, TaskTypeRef } from './types.js';

/**
 * A task type's definition, given to {@link defineTask}.
 *
 * @example
 * ```ts
 * const definition: TaskTypeDefinition<typeof input, { stored: number }> = {
 *   name: 'parse', input, handler: async (task) => ({ stored: await parse(task) }),
 * };
 * ```
 */
export interface TaskTypeDefinition<S extends z.ZodType, R, DB = unknown, C = unknown> {
  /** Unique among a manager's types; in URLs (`POST /tasks/{name}`). 1-128 letters, digits or `._:-`. */
  name: string;
  /** Checks every input at create; the parsed value (JSON) is stored and given to the handler. */
  input: S;
  /**
   * Does the work. Its JSON return value is the result; a rejection fails the attempt (retried up to
   * `maxAttempts`), a {@link PermanentTaskError} fails the task at once.
   */
  handler: (task: TaskContext<z.output<S>, DB, C>) => Promise<R>;
  /** Default priority of this type's tasks (an integer; higher runs first). Default: 0. */
  priority?: number;
  /** Timeout of one attempt. Default: the manager's `timeoutMs` (3600000 ms). */
  timeoutMs?: number;
  /** Attempts before the task is `failed`. Default: 1 (no retry). */
  maxAttempts?: number;
  /** Delay between attempts. Default: exponential from 1 s, doubling, up to 1 h, with jitter. */
  backoff?: BackoffOptions;
  /** How long a succeeded task's result is kept. Default: the manager's `resultTtlMs` (7 days). */
  resultTtlMs?: number;
  /** Media types of the files this type writes (declared in OpenAPI for the download). Default: none. */
  artifactTypes?: readonly string[];
}

/**
 * A task type: its name, input schema, handler and defaults. Create with {@link defineTask}.
 *
 * @example
 * ```ts
 * const types: TaskType[] = [parsePost, exportComments];
 * ```
 */
export interface TaskType<I = unknown, O = unknown, R = unknown> extends TaskTypeRef<I, R> {
  readonly name: string;
  /** The input schema (route helpers build request bodies from it). */
  readonly inputSchema: z.ZodType<O, I>;
  readonly priority: number | undefined;
  readonly timeoutMs: number | undefined;
  readonly maxAttempts: number | undefined;
  readonly backoff: BackoffOptions | undefined;
  readonly resultTtlMs: number | undefined;
  readonly artifactTypes: readonly string[];
  /** Validates an input; throws a {@link ValidationError} (location `body`) on bad input. */
  parse(input: I): O;
  /** Runs the handler (method syntax: a TaskType of any input fits `TaskType`). */
  handle(task: TaskContext<O>): Promise<R>;
}

const mediaType = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type such as text/csv');

const definitionSchema = z.object({
  name: option.name(),
  input: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema'),
  handler: option.fn(),
  priority: z.number().int('must be an integer').optional(),
  timeoutMs: option.positiveDurationMs().optional(),
  maxAttempts: option.count().optional(),
  backoff: backoffOption.optional(),
  resultTtlMs: option.positiveDurationMs().optional(),
  artifactTypes: z.array(mediaType).optional(),
});

/**
 * Defines a task type. Bad definitions throw a UsageError listing every problem.
 *
 * @example
 * ```ts
 * const exportComments = defineTask({
 *   name: 'export',
 *   input: z.object({ postId: z.number().int(), format: z.enum(['csv', 'json']) }),
 *   artifactTypes: ['text/csv', 'application/json'],
 *   handler: async (task) => {
 *     await task.writeArtifact({ filename: 'comments.csv', contentType: 'text/csv' }, rows(task.input.postId));
 *   },
 * });
 * ```
 */
export function defineTask<S extends z.ZodType, R, DB = unknown, C = unknown>(
  definition: TaskTypeDefinition<S, R, DB, C>,
): TaskType<z.input<S>, z.output<S>, R> {
  checkOptions('defineTask', definitionSchema, definition);
  const schema = definition.input as z.ZodType<z.output<S>, z.input<S>>;
  const handler = definition.handler;
  return Object.freeze({
    name: definition.name,
    inputSchema: schema,
    priority: definition.priority,
    timeoutMs: definition.timeoutMs,
    maxAttempts: definition.maxAttempts,
    backoff: definition.backoff,
    resultTtlMs: definition.resultTtlMs,
    artifactTypes: Object.freeze([...(definition.artifactTypes ?? [])]),
    parse(input: z.input<S>): z.output<S> {
      const parsed = schema.safeParse(input);
      if (!parsed.success) throw new ValidationError(zodIssuesToFieldErrors(parsed.error.issues, 'body'));
      return parsed.data;
    },
    // The manager gives its own store and the checkpoint as stored: the handler's types are its own.
    handle: (task: TaskContext<z.output<S>>) => handler(task as unknown as TaskContext<z.output<S>, DB, C>),
  });
}

/** A value made by {@link defineTask}. */
export function isTaskType(value: unknown): value is TaskType {
  const type = value as TaskType | null | undefined;
  return (
    typeof type === 'object' &&
    type !== null &&
    typeof type.name === 'string' &&
    typeof type.parse === 'function' &&
    typeof type.handle === 'function' &&
    Array.isArray(type.artifactTypes)
  );
}
