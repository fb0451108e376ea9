import type { Logger } from 'pino';

/** Runs `work` until it succeeds (the database may be restarting), waiting longer after each failure. */
export async function retrying<T>(
  work: () => Promise<T>,
  logger: Logger,
  what: string,
  giveUp: () => boolean,
): Promise<T | undefined> {
  let delayMs = 50;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (giveUp()) {
        logger.error({ err: error }, `${what} failed; giving up`);
        return undefined;
      }
      logger.warn({ err: error, retryInMs: delayMs }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(2000, delayMs * 2);
    }
  }
}
