import { defineTask, PermanentTaskError } from 'keel/tasks';
import { z } from 'zod';
import type { CommentsService, WorkContext } from '../comments/service.js';
import { ownerIdSchema, postIdSchema } from '../common/post-ref.js';
import { exportFormats } from '../exports/export-comments.js';
import { VkApiError } from '../vk/errors.js';

const postInput = { ownerId: ownerIdSchema, postId: postIdSchema };

/** The body of `POST /tasks/parse`. */
export const parseInputSchema = z.object(postInput);
/** The body of `POST /tasks/analyze`. */
export const analyzeInputSchema = z.object({
  ...postInput,
  /** Bucket of the counts over time. Default: `day`. */
  bucket: z.enum(['hour', 'day']).default('day'),
});
/** The body of `POST /tasks/export`. */
export const exportInputSchema = z.object({ ...postInput, format: z.enum(['csv', 'json', 'xlsx']) });

/** The checkpoint of a parse: the offset of the next page to fetch. */
interface ParseCheckpoint {
  offset: number;
}

/** Options of the task types. */
export interface CommentTaskOptions {
  /** Longest a parse attempt may run. */
  parseTimeoutMs: number;
}

/**
 * The service's task types: parse (retried from its checkpoint; VK's refusals fail it at once with
 * their reason), analyze (a JSON result) and export (a file artifact).
 */
export function commentTaskTypes(service: CommentsService, options: CommentTaskOptions) {
  const parse = defineTask({
    name: 'parse',
    input: parseInputSchema,
    timeoutMs: options.parseTimeoutMs,
    maxAttempts: 3,
    backoff: { type: 'exponential', baseMs: 2000, maxMs: 60_000 },
    handler: async (task) => {
      const resume = task.resume as ParseCheckpoint | null;
      const context: WorkContext = {
        signal: task.signal,
        progress: (done, total, details) => task.progress(done, total, details),
        checkpoint: (state) => task.checkpoint(state),
      };
      try {
        return await service.parse(task.input.ownerId, task.input.postId, context, resume?.offset ?? 0);
      } catch (error) {
        // VK's own refusals (5, 15, 18, 30) do not pass with time: no other attempt.
        if (error instanceof VkApiError && !error.transient)
          throw new PermanentTaskError(error.message, { cause: error });
        throw error;
      }
    },
  });

  const analyze = defineTask({
    name: 'analyze',
    input: analyzeInputSchema,
    maxAttempts: 2,
    handler: async (task) =>
      service.analyze(task.input.ownerId, task.input.postId, workContext(task), task.input.bucket),
  });

  const exportTask = defineTask({
    name: 'export',
    input: exportInputSchema,
    maxAttempts: 2,
    artifactTypes: Object.values(exportFormats).map((format) => format.contentType.split(';')[0] as string),
    handler: async (task) => {
      const { ownerId, postId, format } = task.input;
      const { contentType, extension } = exportFormats[format];
      const artifact = task.artifact({ filename: `comments-${ownerId}_${postId}.${extension}`, contentType });
      return service.export(ownerId, postId, format, artifact.path, workContext(task));
    },
  });

  return { parse, analyze, export: exportTask };
}

function workContext(task: { signal: AbortSignal; progress(done: number, total: number | null): void }): WorkContext {
  return { signal: task.signal, progress: (done, total) => task.progress(done, total) };
}
