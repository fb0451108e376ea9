import type { ClaimedRow } from './sql/claim-jobs.js';

/**
 * A job this worker is running. Its AbortSignal is made only when the handler reads it: most
 * handlers never do, and an AbortController per job is one of the larger costs of a short job.
 */
export class RunningJob {
  /** Set when the worker let go of it (shutdown, lost lease): its outcome must not be stored. */
  detached = false;
  /** Settles when the handler's attempt is over (never rejects). */
  settled: Promise<void> = Promise.resolve();
  private controller: AbortController | undefined;
  private reason: Error | undefined;
  private onAbort: ((reason: Error) => void) | undefined;

  constructor(readonly row: ClaimedRow) {}

  /** The signal given to the handler; aborted with the reason of {@link abort}. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Ends the attempt now (timeout, cancel, lost lease, shutdown): the handler is no longer awaited. */
  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort?.(reason);
  }

  /** Runs the handler's promise until it settles or the job is aborted, whichever comes first. */
  race<T>(start: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.reason) return reject(this.reason);
      this.onAbort = reject;
      try {
        start().then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    });
  }
}
