import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJob } from '../../src/jobs/index.js';
import { type Harness, startQueue } from '../../src/jobs/test/harness.js';
import { sql } from '../../src/store/index.js';
import { createTestDatabase, eventually, type TestDatabase, testDialects } from '../../src/testing/index.js';

const JOBS = 10_000;
const MAX_ATTEMPTS = 3;

// Fails about 40% of attempts, decided by the job and attempt so the outcome is known afterwards.
function fails(id: string, attempt: number): boolean {
  return createHash('sha1').update(`${id}:${attempt}`).digest()[0]! < 102;
}

for (const dialect of testDialects) {
  describe(`10,000 jobs failing at random on ${dialect}`, () => {
    let database: TestDatabase;
    let h: Harness;
    const attempts = new Map<string, number[]>();
    const random = defineJob({
      name: 'random',
      payload: z.object({ n: z.number() }),
      handler: async (_payload, ctx) => {
        attempts.set(ctx.id, [...(attempts.get(ctx.id) ?? []), ctx.attempt]);
        if (fails(ctx.id, ctx.attempt)) throw new Error(`unlucky attempt ${ctx.attempt}`);
      },
    });
    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      h = await startQueue(database, { types: [random], concurrency: 20, prefetch: 10, maxAttempts: MAX_ATTEMPTS });
    });
    afterAll(async () => {
      await h.service.stop();
      await database.drop();
    });

    it('ends every job completed or failed with the right attempt count; none lost, none stuck', async () => {
      const enqueued = await h.jobs.enqueueMany(
        random,
        Array.from({ length: JOBS }, (_, n) => ({
          payload: { n },
          options: { backoff: { type: 'fixed', delayMs: 5 } },
        })),
      );
      const unfinished = async () => {
        const { rows } = await sql<{ count: number | string }>`
          select count(*) as count from keel_job where state in ('waiting', 'running')`.execute(h.store.db);
        return Number(rows[0]!.count);
      };
      await eventually(async () => (await unfinished()) === 0, { timeoutMs: 90_000 });
      const { rows } = await sql<{ id: string; state: string; attempts: number; errors: string }>`
        select id, state, attempts, errors from keel_job`.execute(h.store.db);
      expect(rows).toHaveLength(JOBS);
      expect(new Set(rows.map((r) => String(r.id)))).toEqual(new Set(enqueued.map((j) => j.id)));
      let completed = 0;
      for (const row of rows) {
        const id = String(row.id);
        let expected = 1;
        while (expected < MAX_ATTEMPTS && fails(id, expected)) expected += 1;
        const succeeded = !fails(id, expected);
        expect({ id, state: row.state, attempts: Number(row.attempts) }).toEqual({
          id,
          state: succeeded ? 'completed' : 'failed',
          attempts: expected,
        });
        expect(attempts.get(id)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
        expect((JSON.parse(row.errors) as unknown[]).length).toBe(succeeded ? expected - 1 : expected);
        if (succeeded) completed += 1;
      }
      // The failure rate is real: both outcomes and retries happened.
      expect(completed).toBeGreaterThan(JOBS * 0.8);
      expect(completed).toBeLessThan(JOBS);
    }, 120_000);
  });
}
