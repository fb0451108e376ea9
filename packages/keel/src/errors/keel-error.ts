import { type ErrorCode, errorCodeDefinition } from './codes.js';

/**
 * Options every {@link KeelError} takes.
 *
 * @example
 * ```ts
 * const options: KeelErrorOptions = { cause: error, extensions: { seatsLeft: 0 } };
 * ```
 */
export interface KeelErrorOptions {
  /** The underlying error, kept for logs and never sent to clients. */
  cause?: unknown;
  /** Extra members added to the problem+json body (must be safe to show to clients). */
  extensions?: Record<string, unknown>;
}

const UNDEFINED_CODE = { status: 500, title: 'Internal server error', exposeMessage: false };

/**
 * The root of Keel's error hierarchy. Each error has a stable `code` (see {@link defineErrorCode}),
 * an HTTP `status` and a message, sent as the problem's `detail` unless the code hides it.
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
  /** Whether `message` may be shown to clients; otherwise it is only logged. */
  readonly exposeMessage: boolean;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: KeelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // A code nobody defined is a bug in the thrower: answer 500 and keep the code for the logs.
    const definition = errorCodeDefinition(code) ?? UNDEFINED_CODE;
    this.name = new.target.name;
    this.code = code;
    this.status = definition.status;
    this.title = definition.title;
    this.exposeMessage = definition.exposeMessage;
    this.extensions = options.extensions ?? {};
  }
}

/**
 * True when `value` is a {@link KeelError} (also across duplicated module copies).
 *
 * @example
 * ```ts
 * if (isKeelError(error) && error.code === 'not_found') return null;
 * ```
 */
export function isKeelError(value: unknown): value is KeelError {
  return (
    value instanceof KeelError ||
    (value instanceof Error &&
      typeof (value as Partial<KeelError>).code === 'string' &&
      typeof (value as Partial<KeelError>).status === 'number' &&
      typeof (value as Partial<KeelError>).title === 'string')
  );
}
