import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError, ValidationError } from '../errors/index.js';
import { Store } from '../store/index.js';
import { defineJob } from './define-job.js';
import { createJobQueue } from './job-queue.js';
import type { JobQueueOptions } from './options.js';

// Never started: option checks need no database.
const store = new Store<unknown>({ dataDir: '/nonexistent/never-opened' });
const type = (name: string) => defineJob({ name, payload: z.object({}), handler: async () => undefined });

/** The UsageError `build` throws (failing when it throws anything else or nothing). */
function usageError(build: () => unknown): UsageError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'usage', status: 500 });
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('createJobQueue options', () => {
  it('needs a store', () => {
    expect(usageError(() => createJobQueue({} as JobQueueOptions<unknown>)).message).toMatch(/^createJobQueue: store/);
    usageError(() => createJobQueue(undefined as never));
    usageError(() => createJobQueue({ store: { name: 'store' } } as never));
  });

  it('takes no types (they can be registered later)', () => {
    const jobs = createJobQueue({ store });
    expect(jobs.name).toBe('jobs');
    expect(jobs.knows(type('a'))).toBe(false);
  });

  it('lists every bad option in one UsageError', () => {
    const { message } = usageError(() =>
      createJobQueue({
        store,
        name: 'bad name',
        types: [type('a'), type('a')],
        concurrency: 0,
        prefetch: -1,
        leaseMs: 1.5,
        pollIntervalMs: 0,
        completedRetentionMs: -1,
        sweepIntervalMs: 0,
        maxAttempts: 0,
        timeoutMs: -3,
        backoff: { type: 'linear' } as never,
        readiness: { maxWaitMs: 0 },
        queues: { mail: { concurrency: 0 }, 'bad queue!': {} },
        workerId: '',
      }),
    );
    for (const path of [
      'name',
      'types',
      'concurrency',
      'prefetch',
      'leaseMs',
      'pollIntervalMs',
      'completedRetentionMs',
      'sweepIntervalMs',
      'maxAttempts',
      'timeoutMs',
      'backoff.type',
      'readiness.maxWaitMs',
      'queues.mail.concurrency',
      'workerId',
    ]) {
      expect(message).toMatch(new RegExp(`(: |; )${path.replace('.', '\\.')} `));
    }
    expect(message).toContain('queues.bad queue! is not a queue name');
    expect(message).toContain('name two types a');
  });

  it('accepts the boundaries the old checks accepted', () => {
    const jobs = createJobQueue({
      store,
      prefetch: 0,
      completedRetentionMs: 0,
      readiness: false,
      backoff: { type: 'fixed', delayMs: 0 },
      queues: { mail: {} },
    });
    expect(jobs).toBeDefined();
    createJobQueue({ store, backoff: { type: 'exponential', baseMs: 0, maxMs: 10, jitter: false } });
  });
});

describe('defineJob', () => {
  it('lists every bad field in one UsageError', () => {
    const { message } = usageError(() =>
      defineJob({
        name: 'bad name!',
        queue: '.dot',
        payload: { parse: () => ({}) } as never,
        handler: 'nope' as never,
        priority: 0.5,
        maxAttempts: 0,
        timeoutMs: 1.5,
        backoff: { type: 'fixed' } as never,
      }),
    );
    for (const path of [
      'name',
      'queue',
      'payload',
      'handler',
      'priority',
      'maxAttempts',
      'timeoutMs',
      'backoff.delayMs',
    ]) {
      expect(message).toMatch(new RegExp(`(: |; )${path.replace('.', '\\.')} `));
    }
    expect(message.startsWith('defineJob: ')).toBe(true);
  });

  it('keeps the name rule: 1-128 letters, digits or ._:-, starting with a letter or digit', () => {
    expect(type(`a${'b'.repeat(127)}`).name).toHaveLength(128);
    expect(type('mail:send-reminder.v2_x').name).toBe('mail:send-reminder.v2_x');
    for (const name of ['', `a${'b'.repeat(128)}`, '-a', 'a b', 'é']) usageError(() => type(name));
  });

  it('rejects a bad payload at parse with a ValidationError at location payload', () => {
    const mail = defineJob({ name: 'mail', payload: z.object({ to: z.email() }), handler: async () => undefined });
    expect(() => mail.parse({ to: 'nope' })).toThrow(ValidationError);
    try {
      mail.parse({ to: 'nope' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'validation', errors: [{ location: 'payload', path: 'to' }] });
    }
  });
});
