import { z } from 'zod';
import { ConflictError } from '../errors/index.js';
import { type AdminRoutesOptions, defineAdminRoutes, type HttpRoutes } from '../http/index.js';
import { idParams, jobSummaryView, jobView, listQuery, statsView, toJobView, toSummaryView } from './admin-schemas.js';
import type { JobQueue } from './job-queue.js';
import type { JobState } from './types.js';

/** What the admin routes use of a queue (whatever its database type). */
type AdminQueue = Pick<JobQueue<unknown>, 'list' | 'stats' | 'require' | 'retry' | 'cancel'>;

const routes = defineAdminRoutes<AdminQueue>({
  capability: 'jobs',
  routes: (app, queue) => {
    // '' is the capability's own path: `/admin/jobs`, without a trailing slash.
    app.get(
      '',
      {
        schema: {
          summary: 'List jobs',
          description: 'Jobs newest first, filtered by state, queue and type; keyset pagination with `cursor`.',
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
    app.get(
      '/stats',
      {
        schema: {
          summary: 'Job queue stats',
          description: "Jobs per queue and state, and the age of each queue's oldest due waiting job.",
          response: { 200: statsView },
        },
      },
      async () => queue.stats(),
    );
    app.get(
      '/:id',
      {
        schema: {
          summary: 'Show a job',
          description: 'The job with its payload, result, progress and every failed attempt.',
          params: idParams,
          response: { 200: jobView },
        },
      },
      async (request) => toJobView(await queue.require(request.params.id)),
    );
    app.post(
      '/:id/retry',
      {
        schema: {
          summary: 'Retry a job',
          description:
            'Runs a failed or cancelled job again now, with a fresh set of attempts; 409 in any other state.',
          problems: [409],
          params: idParams,
          response: { 200: jobView },
        },
      },
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
      '/:id/cancel',
      {
        schema: {
          summary: 'Cancel a job',
          description: "Cancels a waiting or running job (a running one's signal aborts); 409 in any other state.",
          problems: [409],
          params: idParams,
          response: { 200: jobView },
        },
      },
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
  },
});

/**
 * The job admin API as an {@link HttpRoutes} plugin, at `<prefix>/jobs` (prefix default `/admin`),
 * every route behind `guard`: `GET /admin/jobs?state&queue&type&limit&cursor`, `GET /admin/jobs/stats`,
 * `GET /admin/jobs/{id}`, `POST /admin/jobs/{id}/retry`, `POST /admin/jobs/{id}/cancel`. Without a
 * guard it throws a UsageError.
 *
 * @example
 * ```ts
 * http.routes(jobsAdminRoutes(jobs, { guard: http.guards.admin }));
 * ```
 */
export function jobsAdminRoutes<DB>(jobs: JobQueue<DB>, options: AdminRoutesOptions): HttpRoutes {
  return routes(jobs as AdminQueue, options);
}
