import { ValidationError } from '../errors/index.js';
import type { BackoffOptions } from './types.js';

/** One problem with an option, before its location is known. */
export interface OptionProblem {
  path: string;
  message: string;
}

/** A problem when `value` is set and is not a positive safe integer. */
export function checkPositiveInt(path: string, value: unknown): OptionProblem[] {
  if (value === undefined) return [];
  return Number.isSafeInteger(value) && (value as number) > 0 ? [] : [{ path, message: 'must be a positive integer' }];
}

/** A problem when `value` is set and is not a non-negative finite number. */
export function checkNonNegative(path: string, value: unknown): OptionProblem[] {
  if (value === undefined) return [];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? []
    : [{ path, message: 'must be a number ≥ 0' }];
}

/** Problems of a backoff option. */
export function checkBackoff(backoff: BackoffOptions | undefined, path = 'backoff'): OptionProblem[] {
  if (backoff === undefined) return [];
  if (backoff.type === 'fixed') return checkNonNegative(`${path}.delayMs`, backoff.delayMs ?? -1);
  if (backoff.type === 'exponential') {
    return [...checkNonNegative(`${path}.baseMs`, backoff.baseMs), ...checkNonNegative(`${path}.maxMs`, backoff.maxMs)];
  }
  return [{ path: `${path}.type`, message: 'must be exponential or fixed' }];
}

/** Throws a {@link ValidationError} listing `problems` at `location`, if any. */
export function rejectProblems(problems: OptionProblem[], location = 'options'): void {
  if (problems.length > 0) throw new ValidationError(problems.map((p) => ({ location, ...p })));
}
