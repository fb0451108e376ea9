import { errors as bentoErrors } from 'bentocache';
import { TimeoutError, UnavailableError, ValidationError } from '../errors/index.js';

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

/** What a loader that returned `undefined` throws. */
export function undefinedValueError(key: string, cause?: unknown): ValidationError {
  return new ValidationError(
    [{ location: 'loader', path: key, message: 'returned undefined; return null for "nothing"' }],
    undefined,
    cause === undefined ? undefined : { cause },
  );
}

/** What a loader that outran its hard timeout throws. */
export function loadTimeoutError(key: string, cause?: unknown): TimeoutError {
  return new TimeoutError(`Loading cache key "${key}" timed out`, cause === undefined ? undefined : { cause });
}
