import { type ErrorCode, errorCodes } from './codes.js';

/** Options every {@link KeelError} takes. */
export interface KeelErrorOptions {
  /** The underlying error, kept for logs and never sent to clients. */
  cause?: unknown;
  /** Extra members added to the problem+json body (must be safe to show to clients). */
  extensions?: Record<string, unknown>;
}

/**
 * The root of Keel's error hierarchy. Each error has a stable `code`, an HTTP `status` and a
 * client-safe `message` (the problem's `detail`).
 *
 * @example
 * ```ts
 * throw new KeelError('conflict', 'This email is already registered');
 * ```
 */
export class KeelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: KeelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = errorCodes[code].status;
    this.title = errorCodes[code].title;
    this.extensions = options.extensions ?? {};
  }
}

/** True when `value` is a {@link KeelError} (also across duplicated module copies). */
export function isKeelError(value: unknown): value is KeelError {
  return (
    value instanceof KeelError ||
    (value instanceof Error &&
      typeof (value as Partial<KeelError>).code === 'string' &&
      Object.hasOwn(errorCodes, (value as Partial<KeelError>).code!) &&
      typeof (value as Partial<KeelError>).status === 'number')
  );
}
