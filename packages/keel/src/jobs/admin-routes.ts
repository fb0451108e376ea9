import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, ValidationError } from '../errors/index.js';
import type { HttpRoutes, ProblemStatus } from '../http/index.js';
import { idParams, jobSummaryView, jobView, listQuery, statsView, toJobView, toSummaryView } from './admin-schemas.js';
import type { JobQueue } from './job-queue.js';
import type { JobState } from './types.js';

/** Options of {@link jobsAdminRoutes}. */
export interface JobsAdminRoutesOptions {
  /** Runs before every admin route; throw (e.g. a ForbiddenError) or reply to refuse. Required. */
  onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Where the routes live. Default: `/admin/jobs`. */
  prefix?: string;
}

/**
 * The job admin API as an {@link HttpRoutes} plugin: list, inspect, retry and cancel jobs, and queue stats,
 * every route behind the given guard.
 *
 * @example
 * ```ts
 * http.routes(jobsAdminRoutes(jobs, { onRequest: requireAdmin }));
 * // GET /admin/jobs?state=failed&limit=20, GET /admin/jobs/{id}, POST /admin/jobs/{id}/retry,
 * // POST /admin/jobs/{id}/cancel, GET /admin/jobs/stats
 * ```
 */
export function jobsAdminRoutes<DB>(queue: JobQueue<DB>, options: JobsAdminRoutesOptions): HttpRoutes {
  if (typeof options?.onRequest !== 'function') {
    throw new ValidationError([{ location: 'options', path: 'onRequest', message: 'a guard is required' }]);
  }
  const prefix = (options.prefix ?? '/admin/jobs').replace(/\/$/, '');
  const tags = ['jobs admin'];
  // The guard answers 401 or 403; a retry or cancel of a job in the wrong state answers 409.
  const problems: ProblemStatus[] = [401, 403];
  const stateProblems: ProblemStatus[] = [...problems, 409];
  return async (app) => {
    app.addHook('onRequest', options.onRequest);
    app.get(
      prefix,
      {
        schema: {
          tags,
          problems,
          querystring: listQuery,
          response: { 200: z.object({ items: z.array(jobSummaryView), nextCursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const { state, queue: name, type, limit, cursor } = request.query;
        const page = await queue.list({
          limit,
          ...(state ? { state: state as JobState } : {}),
          ...(name ? { queue: name } : {}),
          ...(type ? { type } : {}),
          ...(cursor ? { cursor } : {}),
        });
        return { items: page.items.map(toSummaryView), nextCursor: page.nextCursor };
      },
    );
    app.get(`${prefix}/stats`, { schema: { tags, problems, response: { 200: statsView } } }, async () => queue.stats());
    app.get(
      `${prefix}/:id`,
      { schema: { tags, problems, params: idParams, response: { 200: jobView } } },
      async (request) => toJobView(await queue.require(request.params.id)),
    );
    app.post(
      `${prefix}/:id/retry`,
      { schema: { tags, problems: stateProblems, params: idParams, response: { 200: jobView } } },
      async (request) => {
        const job = await queue.require(request.params.id);
        if (!(await queue.retry(job.id))) {
          throw new ConflictError(
            `A ${(await queue.require(job.id)).state} job cannot be retried; only failed or cancelled ones`,
          );
        }
        return toJobView(await queue.require(job.id));
      },
    );
    app.post(
      `${prefix}/:id/cancel`,
      { schema: { tags, problems: stateProblems, params: idParams, response: { 200: jobView } } },
      async (request) => {
        const job = await queue.require(request.params.id);
        if (!(await queue.cancel(job.id))) {
          throw new ConflictError(
            `A ${(await queue.require(job.id)).state} job cannot be cancelled; only waiting or running ones`,
          );
        }
        return toJobView(await queue.require(job.id));
      },
    );
  };
}
