import type { Logger } from 'pino';
import { type RetryPolicy, retry } from '../resilience/index.js';

/** Who asked for a retry of a failure: where and what to log when it is retried. */
interface Caller {
  logger: Logger;
  what: string;
}

// The failure a call is waiting to retry, to log its wait (the policy's events name the error, not the call).
const callers = new WeakMap<object, Caller>();

// One policy per give-up predicate (one per worker): every failure is retried until it says stop.
const policies = new WeakMap<() => boolean, RetryPolicy>();

function policyOf(giveUp: () => boolean): RetryPolicy {
  let policy = policies.get(giveUp);
  if (policy === undefined) {
    policy = retry({
      name: 'jobs-store-write',
      maxRetries: Number.POSITIVE_INFINITY,
      baseDelayMs: 50,
      maxDelayMs: 2000,
      // The database may be restarting: whatever failed is tried again until the worker closes.
      isTransient: () => !giveUp(),
    });
    policy.onEvent((event) => {
      const caller = typeof event.error === 'object' && event.error !== null ? callers.get(event.error) : undefined;
      if (event.kind === 'retry' && caller !== undefined)
        caller.logger.warn({ err: event.error, retryInMs: event.delayMs }, `${caller.what} failed; retrying`);
    });
    policies.set(giveUp, policy);
  }
  return policy;
}

/**
 * Runs `work` until it succeeds (the database may be restarting), waiting longer after each failure
 * (keel/resilience's retry: exponential backoff with jitter from 50 ms up to 2 s); `undefined` once
 * `giveUp` answers true after a failure.
 */
export async function retrying<T>(
  work: () => Promise<T>,
  logger: Logger,
  what: string,
  giveUp: () => boolean,
): Promise<T | undefined> {
  const caller: Caller = { logger, what };
  try {
    return await policyOf(giveUp).execute(async () => {
      try {
        return await work();
      } catch (error) {
        if (typeof error === 'object' && error !== null) callers.set(error, caller);
        throw error;
      }
    });
  } catch (error) {
    logger.error({ err: error }, `${what} failed; giving up`);
    return undefined;
  }
}
