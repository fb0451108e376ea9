import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isKeelError, ValidationError } from '../errors/index.js';
import { defineJob } from '../jobs/index.js';
import { defineSchedule } from './define-schedule.js';

const job = defineJob({ name: 'prune', payload: z.object({ days: z.number().int() }), handler: async () => undefined });

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect(isKeelError(error) && error.code).toBe('validation');
    return (error as ValidationError).errors.map((e) => `${e.path}: ${e.message}`);
  }
  throw new Error('expected a ValidationError');
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
      expect.stringMatching(/^cron: is not a valid cron expression/),
    ]);
    expect(problems(() => defineSchedule({ name: 'a', cron: 'every day', job, payload: { days: 1 } }))).toEqual([
      expect.stringMatching(/^cron: must be a cron expression/),
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '2030-01-01T00:00:00', job, payload: { days: 1 } })),
    ).toHaveLength(1);
    expect(
      problems(() =>
        defineSchedule({ name: 'a', cron: '0 3 * * *', timezone: 'Mars/Olympus', job, payload: { days: 1 } }),
      ),
    ).toEqual(['timezone: is not an IANA timezone: "Mars/Olympus"']);
    expect(problems(() => defineSchedule({ name: 'a', intervalMs: 999, job, payload: { days: 1 } }))).toEqual([
      'intervalMs: must be an integer of at least 1000 ms',
    ]);
    expect(problems(() => defineSchedule({ name: 'a', job, payload: { days: 1 } }))).toEqual([
      'cron: set exactly one of cron and intervalMs',
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '@daily', intervalMs: 5000, job, payload: { days: 1 } })),
    ).toEqual(['cron: set exactly one of cron and intervalMs']);
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
      'name: must be 1-128 letters, digits or ._:-',
      'overlap: must be skip or allow',
      'missed: must be skip, once or all',
      'graceMs: must be an integer number of ms ≥ 0',
      'jobOptions.maxAttempts: must be a positive integer',
      expect.stringMatching(/^payload\.days: /),
    ]);
    expect(
      problems(() => defineSchedule({ name: 'a', cron: '@daily', job: {} as typeof job, payload: { days: 1 } })),
    ).toEqual(['job: must be a job type (defineJob)']);
  });
});
