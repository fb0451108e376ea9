import type { ClaimedRow } from './sql/claim-jobs.js';

/** A job this worker is running. */
export interface RunningJob {
  row: ClaimedRow;
  controller: AbortController;
  /** Set when the worker let go of it (shutdown, lost lease): its outcome must not be stored. */
  detached: boolean;
  /** Settles when the handler's attempt is over (never rejects). */
  settled: Promise<void>;
}
