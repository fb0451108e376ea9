import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../errors/index.js';
import { defineJob, type JobContext } from '../jobs/index.js';
import { defineSchedule, isSchedule } from './define-schedule.js';

const job = defineJob({ name: 'prune', payload: z.object({ days: z.number().int() }), handler: async () => undefined });

/** The problems a misuse lists, as `path message` (one UsageError, 500, naming the schedule). */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'usage', status: 500 });
    const message = (error as UsageError).message;
    expect(message).toMatch(/^defineSchedule(\("[^"]*"\))?: /);
    return message.replace(/^defineSchedule(\("[^"]*"\))?: /, '').split('; ');
  }
  throw new Error('expected a UsageError');
}

describe('defineSchedule', () => {
  it('accepts 5-field, 6-field (seconds) and @alias cron expressions, and intervals', () => {
    const after = new Date('2024-06-01T10:00:00.250Z');
    const daily = defineSchedule({ name: 'daily', cron: '@daily', job, payload: { days: 1 } });
    expect(daily.nextRun(after)).toEqual(new Date('2024-06-02T00:00:00Z'));
    expect(daily).toMatchObject({
      timezone: 'UTC',
      overlap: 'skip',
      missed: 'skip',
      runOnStart: false,
      graceMs: 60_000,
    });
    const seconds = defineSchedule({ name: 'sec', cron: '*/15 * * * * *', job, payload: { days: 1 } });
    expect(seconds.nextRun(after)).toEqual(new Date('2024-06-01T10:00:15Z'));
    const paris = defineSchedule({
      name: 'paris',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      job,
      payload: { days: 1 },
    });
    expect(paris.nextRun(after)).toEqual(new Date('2024-06-02T01:00:00Z'));
    const interval = defineSchedule({ name: 'every-5s', intervalMs: 5000, job, payload: { days: 1 } });
    expect(interval.nextRun(after)).toEqual(new Date('2024-06-01T10:00:05Z'));
    expect(interval.cron).toBeUndefined();
  });

  it('rejects an invalid cron, an unknown timezone and a short interval', () => {
    expect(problems(() => defineSchedule({ name: 'a', cron: '61 * * * *', job, payload: { days: 1 } }))).toEqual([
      expect.stringMatching(/^cron is not a valid cron expression/),
    ]);
    expect(problems(() => defineSchedule({ name: 'a', cron: 'every day', job, payload: { days: 1 } }))).toEqual([
      expect.stringMatching(/^cron must be a cron expression/),
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '2030-01-01T00:00:00', job, payload: { days: 1 } })),
    ).toHaveLength(1);
    expect(
      problems(() =>
        defineSchedule({ name: 'a', cron: '0 3 * * *', timezone: 'Mars/Olympus', job, payload: { days: 1 } }),
      ),
    ).toEqual(['timezone is not an IANA timezone: "Mars/Olympus"']);
    expect(problems(() => defineSchedule({ name: 'a', intervalMs: 999, job, payload: { days: 1 } }))).toEqual([
      'intervalMs must be a whole number of ms, at least 1000',
    ]);
    expect(problems(() => defineSchedule({ name: 'a', job, payload: { days: 1 } }))).toEqual([
      'set exactly one of cron and intervalMs',
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '@daily', intervalMs: 5000, job, payload: { days: 1 } })),
    ).toEqual(['set exactly one of cron and intervalMs']);
  });

  it('lists every other bad option, and checks the payload against the job type', () => {
    const found = problems(() =>
      defineSchedule({
        name: 'no spaces',
        cron: '@daily',
        job,
        payload: { days: 'x' as unknown as number },
        overlap: 'queue' as 'skip',
        missed: 'sometimes' as 'skip',
        graceMs: -1,
        jobOptions: { maxAttempts: 0 },
      }),
    );
    expect(found).toEqual([
      'name must be 1-128 letters, digits or ._:-, starting with a letter or digit',
      'overlap must be skip or allow',
      'missed must be skip, once or all',
      'graceMs must be 0 or more',
      'jobOptions.maxAttempts must be 1 or more',
      expect.stringMatching(/^payload\.days /),
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '@daily', job: {} as typeof job, payload: { days: 1 } })),
    ).toEqual(['job must be a job type (defineJob)']);
    expect(problems(() => defineSchedule(undefined as never))).toEqual([
      'name is required',
      'set exactly one of cron and intervalMs',
      'set exactly one of handler and job (with its payload)',
    ]);
  });

  it('names the schedule in the problem, and checks job options as a job type does', () => {
    expect(() =>
      defineSchedule({
        name: 'report',
        cron: '@daily',
        handler: async () => undefined,
        jobOptions: { queue: 'no spaces', timeoutMs: 0, backoff: { type: 'linear' } as never },
      }),
    ).toThrow(
      /^defineSchedule\("report"\): jobOptions\.timeoutMs must be 1 or more; jobOptions\.queue must be 1-128 .*; jobOptions\.backoff\.type must be /,
    );
  });
});

describe('defineSchedule with a handler (one declaration)', () => {
  it('creates and owns a job type named after the schedule, with no payload, whose handler gets the job context', async () => {
    const seen: JobContext[] = [];
    const schedule = defineSchedule({
      name: 'purge-sessions',
      intervalMs: 60_000,
      handler: async (ctx) => {
        seen.push(ctx);
        return 'purged';
      },
    });
    expect(isSchedule(schedule)).toBe(true);
    expect(schedule.jobType).toBeDefined();
    expect(schedule.job).toBe(schedule.jobType);
    expect(schedule.jobType!.name).toBe('purge-sessions');
    expect(schedule.payload).toEqual({});
    // The payload is empty: what a tick enqueues parses, anything else is refused.
    expect(schedule.jobType!.parse({})).toEqual({});
    expect(() => schedule.jobType!.parse('x')).toThrow();
    const ctx = { id: 'job-1', attempt: 1 } as JobContext;
    await expect(schedule.jobType!.handle({}, ctx)).resolves.toBe('purged');
    expect(seen).toEqual([ctx]);
  });

  it('puts the job options on its own job type, so its queue is worked and its retries follow them', () => {
    const backoff = { type: 'fixed', delayMs: 30_000 } as const;
    const schedule = defineSchedule({
      name: 'sync-calendars',
      cron: '*/5 * * * *',
      handler: async () => undefined,
      jobOptions: { queue: 'sync', priority: 3, maxAttempts: 2, timeoutMs: 120_000, backoff },
    });
    expect(schedule.jobType).toMatchObject({ queue: 'sync', priority: 3, maxAttempts: 2, timeoutMs: 120_000, backoff });
    const plain = defineSchedule({ name: 'plain', cron: '@daily', handler: async () => undefined });
    expect(plain.jobType).toMatchObject({ queue: undefined, maxAttempts: undefined, timeoutMs: undefined });
  });

  it('keeps the long form: a schedule of a given job type owns none', () => {
    const backoff = { type: 'exponential', baseMs: 5000 } as const;
    const schedule = defineSchedule({
      name: 'prune-daily',
      cron: '@daily',
      job,
      payload: { days: 30 },
      jobOptions: { maxAttempts: 3, backoff },
    });
    expect(schedule.jobType).toBeUndefined();
    expect(schedule.job).toBe(job);
    expect(schedule.payload).toEqual({ days: 30 });
    // Options of each enqueue: the given job type is shared, so it is left as it is.
    expect(schedule.jobOptions).toEqual({ maxAttempts: 3, backoff });
    expect(job.maxAttempts).toBeUndefined();
  });

  it('wants exactly one of handler and job, and no payload with a handler', () => {
    const handler = async () => undefined;
    expect(problems(() => defineSchedule({ name: 'a', cron: '@daily' } as never))).toEqual([
      'set exactly one of handler and job (with its payload)',
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '@daily', handler, job, payload: { days: 1 } } as never)),
    ).toEqual(['set exactly one of handler and job (with its payload)']);
    expect(problems(() => defineSchedule({ name: 'a', cron: '@daily', handler, payload: { x: 1 } } as never))).toEqual([
      'payload is for a schedule of a job type (job), not one with a handler',
    ]);
    expect(problems(() => defineSchedule({ name: 'a', cron: '@daily', handler: 'run' } as never))).toEqual([
      'handler must be a function',
    ]);
  });
});
