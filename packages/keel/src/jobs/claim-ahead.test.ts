import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../testing/index.js';
import { defineJob } from './define-job.js';
import { type Harness, startQueue } from './test/harness.js';

for (const dialect of testDialects) {
  describe(`adaptive claiming on ${dialect}`, () => {
    let database: TestDatabase;
    let h: Harness;
    const ran: number[] = [];
    const record = defineJob({
      name: 'record',
      queue: 'ordered',
      payload: z.object({ n: z.number() }),
      handler: async ({ n }) => {
        ran.push(n);
      },
    });
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startQueue(database, { types: [record], queues: { ordered: { concurrency: 1 } } });
    });
    afterAll(async () => {
      await h.service.stop();
      await database.drop();
    });

    it('keeps priority, due time and FIFO order while it claims ahead, round after round', async () => {
      // Later rounds start with the runner's claim size grown by the earlier ones.
      for (let round = 0; round < 5; round += 1) {
        ran.length = 0;
        const base = Date.now() - 1000;
        await h.jobs.enqueueMany(record, [
          { payload: { n: 4 }, options: { runAt: new Date(base + 20) } },
          { payload: { n: 5 }, options: { runAt: new Date(base + 20) } },
          { payload: { n: 1 }, options: { priority: 10, runAt: new Date(base + 50) } },
          { payload: { n: 3 }, options: { runAt: new Date(base + 10) } },
          { payload: { n: 2 }, options: { priority: 10, runAt: new Date(base + 60) } },
          { payload: { n: 9 }, options: { priority: -1, runAt: new Date(base) } },
        ]);
        await eventually(() => ran.length === 6);
        expect(ran).toEqual([1, 2, 3, 4, 5, 9]);
      }
    });

    it('runs a deep backlog in FIFO order across its claims and refills', async () => {
      ran.length = 0;
      await h.jobs.enqueueMany(
        record,
        Array.from({ length: 2000 }, (_, n) => ({ payload: { n } })),
      );
      await eventually(() => ran.length === 2000);
      expect(ran).toEqual(Array.from({ length: 2000 }, (_, n) => n));
    });
  });
}
