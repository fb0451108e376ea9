/**
 * Options of {@link eventually}.
 *
 * @example
 * ```ts
 * const options: EventuallyOptions = { timeoutMs: 5000, intervalMs: 50 };
 * ```
 */
export interface EventuallyOptions {
  /** Give up after this long, failing with the last error. Default: 10000 ms. */
  timeoutMs?: number;
  /** Wait between tries. Default: 25 ms. */
  intervalMs?: number;
}

/**
 * Retries `check` until it neither throws nor returns `false`, and resolves with what it
 * returned; after `timeoutMs` it rejects with the last failure. For state another process or a
 * background loop reaches: never sleep a fixed time instead.
 *
 * @example
 * ```ts
 * await eventually(async () => (await jobs.get(id))?.state === 'completed');
 * await eventually(() => expect(received).toHaveLength(3));
 * ```
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
      last = new Error('the check returned false');
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const message = last instanceof Error ? last.message : String(last);
      throw new Error(`eventually: not true within ${timeoutMs} ms: ${message}`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
