import { describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { jobQueueOptionsFromConfig, jobsConfigSchema } from './config.js';
import { createJobQueue } from './job-queue.js';

describe('jobsConfigSchema and jobQueueOptionsFromConfig', () => {
  it('defaults: work in this process, 10 at once, no prefetch', () => {
    const config = jobsConfigSchema.parse({});
    expect(config).toEqual({ JOBS_WORK: true, JOB_CONCURRENCY: 10, JOBS_PREFETCH: 0 });
    expect(jobQueueOptionsFromConfig(config)).toEqual({ work: true, concurrency: 10, prefetch: 0 });
  });

  it('reads the variables from env strings', () => {
    const config = jobsConfigSchema.parse({ JOBS_WORK: 'false', JOB_CONCURRENCY: '3', JOBS_PREFETCH: '20' });
    expect(jobQueueOptionsFromConfig(config)).toEqual({ work: false, concurrency: 3, prefetch: 20 });
    expect(jobsConfigSchema.parse({ JOBS_WORK: '0', JOB_CONCURRENCY: '', JOBS_PREFETCH: ' ' })).toEqual({
      JOBS_WORK: false,
      JOB_CONCURRENCY: 10,
      JOBS_PREFETCH: 0,
    });
  });

  it('refuses values out of bounds', () => {
    for (const env of [
      { JOB_CONCURRENCY: '0' },
      { JOB_CONCURRENCY: '1001' },
      { JOB_CONCURRENCY: '2.5' },
      { JOBS_PREFETCH: '-1' },
      { JOBS_PREFETCH: '10001' },
      { JOBS_WORK: 'maybe' },
    ]) {
      expect(jobsConfigSchema.safeParse(env).success, JSON.stringify(env)).toBe(false);
    }
    expect(jobsConfigSchema.parse({ JOB_CONCURRENCY: '1000', JOBS_PREFETCH: '10000' })).toMatchObject({
      JOB_CONCURRENCY: 1000,
      JOBS_PREFETCH: 10_000,
    });
  });

  it('gives options createJobQueue takes', () => {
    const store = new Store<unknown>({ dataDir: '/nonexistent/never-opened' });
    const options = jobQueueOptionsFromConfig(jobsConfigSchema.parse({ JOBS_WORK: 'no' }));
    expect(createJobQueue({ store, ...options }).name).toBe('jobs');
  });
});
