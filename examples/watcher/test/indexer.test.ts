import { createTestDatabase, eventually, type TestDatabase } from 'keel/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { releasesOf, sleep, startWatcher, type WatcherHarness } from './harness.js';

// The bulkhead and the breaker live in this process (not in SQL): one dialect is enough.
const ITEMS = 20;
let database: TestDatabase | undefined;
let h: WatcherHarness | undefined;

afterEach(async () => {
  await h?.stop();
  await database?.drop();
  h = undefined;
  database = undefined;
});

async function watcherWithItems(options: Parameters<typeof startWatcher>[1]): Promise<WatcherHarness> {
  database = await createTestDatabase('sqlite');
  h = await startWatcher(database, options);
  for (let i = 0; i < ITEMS; i += 1) {
    h.indexer.add(`item ${i}`, releasesOf(`item${i}`, 1));
    await h.watcherWithItem(`User ${i}`, 8000 + i, `item ${i}`);
  }
  return h;
}

function breakerOf(harness: WatcherHarness) {
  const breaker = harness.watcher.resilience.breakers().find((b) => b.name.startsWith('indexer:'));
  if (!breaker) throw new Error('the indexer breaker is not in the registry');
  return breaker;
}

describe('indexer searches', () => {
  it('never runs more than WATCH_CONCURRENCY (5) searches at once, counted by the indexer', async () => {
    // Slow answers and 20 job slots: without the bulkhead the indexer would see up to 20 at once.
    const w = await watcherWithItems({
      env: { WATCH_CONCURRENCY: '5', JOB_CONCURRENCY: '20' },
      indexer: { delayMs: 300 },
    });
    const startedAt = new Date().toISOString();
    await w.watcher.scheduler.trigger('watch-all');
    await eventually(async () => expect(await w.checkedSince(startedAt)).toBe(ITEMS), { timeoutMs: 60_000 });
    expect(w.indexer.searches).toHaveLength(ITEMS);
    expect(w.indexer.maxInFlight).toBeLessThanOrEqual(5);
    // The limit was reached, so the bound above is the bulkhead's and not the machine's.
    expect(w.indexer.maxInFlight).toBeGreaterThanOrEqual(4);
    process.stdout.write(`bulkhead: ${ITEMS} searches, at most ${w.indexer.maxInFlight} at once on the indexer\n`);
  });

  for (const failure of ['500', 'hang'] as const) {
    it(`opens the breaker when the indexer ${failure === '500' ? 'answers 500' : 'hangs'}: no request storm, and recovers with it`, {
      timeout: 120_000,
    }, async () => {
      const w = await watcherWithItems({
        env: { WATCH_CONCURRENCY: '5' },
        options: {
          indexer: {
            timeoutMs: 3000,
            headersTimeoutMs: 500,
            maxRetries: 2,
            breakerFailures: 5,
            halfOpenAfterMs: 2000,
            maxHalfOpenAfterMs: 2000,
          },
          checks: { backoffBaseMs: 200, backoffMaxMs: 1000, maxAttempts: 50 },
        },
      });
      w.indexer.setMode(failure === '500' ? { kind: 'status', status: 500 } : { kind: 'hang' });
      await w.watcher.scheduler.trigger('watch-all');
      await eventually(() => expect(breakerOf(w).state).toBe('open'), { timeoutMs: 30_000 });
      // Twenty checks retrying for 5 s: without the breaker that is 20 items x 3 attempts x several
      // job attempts; with it, the attempts that opened it plus one probe per half-open pause.
      await sleep(5000);
      const duringOutage = w.indexer.searches.length;
      process.stdout.write(`breaker (${failure}): ${duringOutage} searches reached the indexer in the outage\n`);
      expect(duringOutage).toBeLessThanOrEqual(5 + 5 + 3 * 3);
      expect(await w.storedCount()).toBe(0);

      w.indexer.setMode({ kind: 'ok' });
      await eventually(async () => expect(await w.storedCount()).toBe(ITEMS), { timeoutMs: 60_000 });
      expect(breakerOf(w).state).toBe('closed');
      await eventually(async () => expect((await w.deliveryStates()).delivered).toBe(ITEMS), { timeoutMs: 30_000 });
      process.stdout.write(
        `breaker (${failure}): recovered, ${w.indexer.searches.length - duringOutage} searches after\n`,
      );
    });
  }

  it('a wrong API key (401) fails the check without opening the breaker: a client error is not an outage', async () => {
    const w = await watcherWithItems({
      env: { INDEXER_API_KEY: 'wrong-key' },
      options: { indexer: { breakerFailures: 5 }, checks: { backoffBaseMs: 100, backoffMaxMs: 200, maxAttempts: 1 } },
    });
    await w.watcher.scheduler.trigger('watch-all');
    await eventually(() => expect(w.indexer.searches).toHaveLength(ITEMS), { timeoutMs: 30_000 });
    expect(w.indexer.searches.every((search) => search.outcome === 'http:401' && search.apiKey === 'wrong-key')).toBe(
      true,
    );
    await eventually(async () => {
      const failed = await w.watcher.jobs.list({ queue: 'watch', state: 'failed' });
      expect(failed.items.filter((job) => job.type === 'watcher.check')).toHaveLength(ITEMS);
    });
    // Twenty failures in a row, each sent once (a 4xx is not retried) and none counted by the breaker.
    expect(breakerOf(w).state).toBe('closed');
    expect(await w.storedCount()).toBe(0);
  });
});
