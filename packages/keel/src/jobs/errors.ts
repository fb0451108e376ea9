/**
 * Thrown by a handler to fail the job at once, without the remaining attempts (bad data, a refused request).
 *
 * @example
 * ```ts
 * handler: async ({ userId }) => {
 *   const user = await findUser(userId);
 *   if (!user) throw new PermanentJobError(`user ${userId} no longer exists`);
 * }
 * ```
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

/**
 * True when a handler's error must not be retried (also across duplicated module copies).
 *
 * @example
 * ```ts
 * if (isPermanentJobError(error)) logger.warn({ err: error }, 'giving up at once');
 * ```
 */
export function isPermanentJobError(error: unknown): boolean {
  return error instanceof PermanentJobError || (error instanceof Error && error.name === 'PermanentJobError');
}
