import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { HttpRoutes, ProblemStatus } from '../http/index.js';
import type { Scheduler } from './scheduler.js';

/**
 * Options of {@link schedulerAdminRoutes}.
 *
 * @example
 * ```ts
 * const options: SchedulerAdminRoutesOptions = { onRequest: requireAdmin, prefix: '/ops' };
 * ```
 */
export interface SchedulerAdminRoutesOptions {
  /** Runs before every route; throw (e.g. a ForbiddenError) or reply to refuse. Required. */
  onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Where the routes live. Default: `/admin`. */
  prefix?: string;
}

const lastRunView = z.object({
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  status: z.enum(['waiting', 'running', 'completed', 'failed', 'cancelled', 'skipped']),
  error: z.string().optional(),
  durationMs: z.number().nullable(),
});

const scheduleView = z.object({
  name: z.string(),
  cron: z.string().optional(),
  intervalMs: z.number().optional(),
  timezone: z.string(),
  paused: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRun: lastRunView.nullable(),
  runCount: z.number(),
});

const nameParams = z.object({ name: z.string().min(1).max(128) });

/**
 * The scheduler admin API as an {@link HttpRoutes} plugin, every route behind the given guard:
 * `GET {prefix}/scheduler_status`, and `POST {prefix}/schedules/{name}/pause|resume|trigger`
 * (404 for an unknown schedule).
 *
 * @example
 * ```ts
 * http.routes(schedulerAdminRoutes(scheduler, { onRequest: requireAdmin }));
 * ```
 */
export function schedulerAdminRoutes<DB>(scheduler: Scheduler<DB>, options: SchedulerAdminRoutesOptions): HttpRoutes {
  if (typeof options?.onRequest !== 'function') {
    throw new ValidationError([{ location: 'options', path: 'onRequest', message: 'a guard is required' }]);
  }
  const prefix = (options.prefix ?? '/admin').replace(/\/$/, '');
  const tags = ['scheduler admin'];
  // The guard answers 401 or 403.
  const problems: ProblemStatus[] = [401, 403];
  return async (app) => {
    app.addHook('onRequest', options.onRequest);
    app.get(
      `${prefix}/scheduler_status`,
      {
        schema: {
          tags,
          problems,
          response: { 200: z.object({ running: z.boolean(), schedules: z.array(scheduleView) }) },
        },
      },
      async () => scheduler.status(),
    );
    app.post(
      `${prefix}/schedules/:name/pause`,
      { schema: { tags, problems, params: nameParams, response: { 200: scheduleView } } },
      async (request) => {
        await scheduler.pause(request.params.name);
        return scheduler.scheduleStatus(request.params.name);
      },
    );
    app.post(
      `${prefix}/schedules/:name/resume`,
      { schema: { tags, problems, params: nameParams, response: { 200: scheduleView } } },
      async (request) => {
        await scheduler.resume(request.params.name);
        return scheduler.scheduleStatus(request.params.name);
      },
    );
    app.post(
      `${prefix}/schedules/:name/trigger`,
      {
        schema: {
          tags,
          problems,
          params: nameParams,
          response: { 202: z.object({ schedule: z.string(), jobId: z.string() }) },
        },
      },
      async (request, reply) => {
        const { jobId } = await scheduler.trigger(request.params.name);
        return reply.code(202).send({ schedule: request.params.name, jobId });
      },
    );
  };
}
