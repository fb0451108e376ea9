import { z } from 'zod';
import { option } from '../config/index.js';
import { type AdminRoutesOptions, defineAdminRoutes, type HttpRoutes } from '../http/index.js';
import type { ScheduleRun, Scheduler } from './scheduler.js';

const runStatus = z.enum(['waiting', 'running', 'completed', 'failed', 'cancelled', 'skipped']);

const lastRunView = z.object({
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  status: runStatus,
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

const runView = z.object({
  runKey: z.string(),
  kind: z.enum(['tick', 'catch-up', 'trigger', 'start']),
  plannedAt: z.string(),
  status: runStatus,
  jobId: z.string().nullable(),
  enqueuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});

// Client input: a name that no schedule could have is a 400, an unknown one a 404.
const nameParams = z.object({ name: option.name() });
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
const toRunView = (run: ScheduleRun): z.output<typeof runView> => ({
  ...run,
  plannedAt: run.plannedAt.toISOString(),
  enqueuedAt: run.enqueuedAt.toISOString(),
  startedAt: iso(run.startedAt),
  finishedAt: iso(run.finishedAt),
});

/** What the admin routes use of a scheduler (whatever its database type). */
type AdminScheduler = Pick<Scheduler<unknown>, 'status' | 'scheduleStatus' | 'runs' | 'pause' | 'resume' | 'trigger'>;

const routes = defineAdminRoutes<AdminScheduler>({
  capability: 'schedules',
  routes: (app, scheduler) => {
    // '' is the capability's own path: `/admin/schedules`, without a trailing slash.
    app.get(
      '',
      {
        schema: {
          summary: 'Scheduler status',
          description:
            "Whether this instance's scheduler runs, and every declared schedule with its timing, pause state, next tick, latest run and run count.",
          response: { 200: z.object({ running: z.boolean(), schedules: z.array(scheduleView) }) },
        },
      },
      async () => scheduler.status(),
    );
    app.get(
      '/:name',
      {
        schema: {
          summary: 'Show a schedule',
          description: 'One schedule with its timing, pause state, next tick, latest run and run count.',
          params: nameParams,
          response: { 200: scheduleView },
        },
      },
      async (request) => scheduler.scheduleStatus(request.params.name),
    );
    app.get(
      '/:name/runs',
      {
        schema: {
          summary: "A schedule's runs",
          description:
            'The latest `limit` runs (default 100, at most 1000), oldest first: ticks, catch-ups, triggers and start runs, skipped ticks included.',
          params: nameParams,
          querystring: runsQuery,
          response: { 200: z.object({ runs: z.array(runView) }) },
        },
      },
      async (request) => {
        const runs = await scheduler.runs(request.params.name, { limit: request.query.limit });
        return { runs: runs.map(toRunView) };
      },
    );
    app.post(
      '/:name/pause',
      {
        schema: {
          summary: 'Pause a schedule',
          description: 'Stops its ticks on every instance, across restarts, until resumed; triggers still run.',
          params: nameParams,
          response: { 200: scheduleView },
        },
      },
      async (request) => {
        await scheduler.pause(request.params.name);
        return scheduler.scheduleStatus(request.params.name);
      },
    );
    app.post(
      '/:name/resume',
      {
        schema: {
          summary: 'Resume a schedule',
          description: 'Ticks again from its next tick; the ticks planned while it was paused are not caught up.',
          params: nameParams,
          response: { 200: scheduleView },
        },
      },
      async (request) => {
        await scheduler.resume(request.params.name);
        return scheduler.scheduleStatus(request.params.name);
      },
    );
    app.post(
      '/:name/trigger',
      {
        schema: {
          summary: 'Trigger a schedule',
          description: 'Enqueues one run now, paused or not, whatever the overlap policy; answers its job id.',
          params: nameParams,
          response: { 202: z.object({ schedule: z.string(), jobId: z.string() }) },
        },
      },
      async (request, reply) => {
        const { jobId } = await scheduler.trigger(request.params.name);
        return reply.code(202).send({ schedule: request.params.name, jobId });
      },
    );
  },
  aliases: [{ method: 'GET', path: '/scheduler_status', of: '' }],
});

/**
 * The scheduler admin API as an {@link HttpRoutes} plugin, at `<prefix>/schedules` (prefix default
 * `/admin`), every route behind `guard`: `GET /admin/schedules` (the status of every schedule, also
 * served at `GET /admin/scheduler_status`), `GET /admin/schedules/{name}`,
 * `GET /admin/schedules/{name}/runs?limit`, and `POST /admin/schedules/{name}/pause|resume|trigger`.
 * An unknown schedule is a 404, a malformed name a 400. Without a guard it throws a UsageError.
 *
 * @example
 * ```ts
 * http.routes(schedulesAdminRoutes(scheduler, { guard: http.guards.admin }));
 * ```
 */
export function schedulesAdminRoutes<DB>(scheduler: Scheduler<DB>, options: AdminRoutesOptions): HttpRoutes {
  return routes(scheduler as unknown as AdminScheduler, options);
}
