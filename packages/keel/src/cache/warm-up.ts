import type { Logger } from 'pino';

/** A function that fills the cache at start. */
export interface WarmUp {
  name: string;
  run: () => Promise<void>;
}

/**
 * Runs every warm-up at once and waits for them at most `withinMs`; those still running go on in
 * the background. Failures are logged, never thrown: a cold cache still works.
 * Returns the names of the warm-ups still running when it returned.
 */
export async function runWarmUps(warmUps: readonly WarmUp[], withinMs: number, logger: Logger): Promise<string[]> {
  const pending = new Set(warmUps.map((w) => w.name));
  const all = Promise.all(
    warmUps.map(async (warmUp) => {
      const started = performance.now();
      try {
        await warmUp.run();
        logger.debug({ warmUp: warmUp.name, ms: Math.round(performance.now() - started) }, 'cache warm-up done');
      } catch (error) {
        logger.warn({ err: error, warmUp: warmUp.name }, 'cache warm-up failed');
      } finally {
        pending.delete(warmUp.name);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, withinMs);
  });
  await Promise.race([all, bound]);
  clearTimeout(timer);
  if (pending.size > 0) logger.warn({ pending: [...pending], withinMs }, 'cache warm-up goes on in the background');
  return [...pending];
}
