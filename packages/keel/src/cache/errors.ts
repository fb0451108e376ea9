import { errors as bentoErrors } from 'bentocache';
import { TimeoutError, UnavailableError, UsageError } from '../errors/index.js';

/** What a failed cache call throws: the loader's own error, or a typed `KeelError` for the cache's failures. */
export function toCacheError(error: unknown, key: string): unknown {
  if (error instanceof bentoErrors.E_FACTORY_ERROR) return error.cause ?? error;
  if (error instanceof bentoErrors.E_FACTORY_HARD_TIMEOUT || error instanceof bentoErrors.E_FACTORY_SOFT_TIMEOUT) {
    return loadTimeoutError(key, error);
  }
  if (error instanceof bentoErrors.E_UNDEFINED_VALUE) return undefinedValueError(key, error);
  if (error instanceof bentoErrors.E_L2_CACHE_ERROR) {
    return new UnavailableError('The cache could not reach Redis', { cause: error });
  }
  return error;
}

/**
 * What a loader that returned `undefined` throws: the service's own bug, so a `UsageError` (500). The
 * key is in the message, which is logged; the client's answer shows a generic detail, never the key.
 */
export function undefinedValueError(key: string, cause?: unknown): UsageError {
  return new UsageError(
    `cache: the loader of key "${key}" returned undefined; return null for "nothing"`,
    cause === undefined ? undefined : { cause },
  );
}

/** What a loader that outran its hard timeout throws. */
export function loadTimeoutError(key: string, cause?: unknown): TimeoutError {
  return new TimeoutError(`Loading cache key "${key}" timed out`, cause === undefined ? undefined : { cause });
}
