import { loadTimeoutError, undefinedValueError } from './errors.js';

/**
 * Runs a loader outside the cache (a strict namespace while instances may miss each other's writes):
 * nothing is read from or written to a tier. The hard timeout and the `undefined` check still apply,
 * as on the cached path.
 */
export async function loadUncached<T>(
  key: string,
  loader: () => T | Promise<T>,
  hardTimeoutMs: number | undefined,
): Promise<T> {
  let value: T;
  if (hardTimeoutMs === undefined) {
    value = await loader();
  } else {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(loadTimeoutError(key)), hardTimeoutMs);
    });
    try {
      value = await Promise.race([Promise.resolve().then(loader), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  if (value === undefined) throw undefinedValueError(key);
  return value;
}
