import { CODE_PATTERN, type ErrorCode, errorCodeDefinition } from './codes.js';

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

// What a code nobody defined answers with: a bug in the thrower, so nothing of it reaches the client.
const UNDEFINED_CODE = { status: 500, title: 'Internal server error', exposeMessage: false } as const;

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
  /** The stable code clients branch on. */
  readonly code: ErrorCode;
  /** The HTTP status, from the code's definition (500 for a code nobody defined). */
  readonly status: number;
  /** The problem's `title`, from the code's definition. */
  readonly title: string;
  /** Whether `message` may be shown to clients (the problem's `detail`); otherwise it is only logged. */
  readonly exposeMessage: boolean;
  /** Extra members of the problem+json body. */
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
 * True when `value` is a {@link KeelError}, also one made by another copy of Keel (a duplicated
 * install): then it must look like one in full (a well-formed code, a status from 400 to 599, a
 * title and `exposeMessage`), so an unrelated error that happens to carry a `code` is not taken for one.
 *
 * @example
 * ```ts
 * if (isKeelError(error) && error.code === 'not_found') return null;
 * ```
 */
export function isKeelError(value: unknown): value is KeelError {
  if (value instanceof KeelError) return true;
  if (!(value instanceof Error)) return false;
  const { code, status, title, exposeMessage } = value as Partial<KeelError>;
  return (
    typeof code === 'string' &&
    CODE_PATTERN.test(code) &&
    typeof status === 'number' &&
    Number.isInteger(status) &&
    status >= 400 &&
    status <= 599 &&
    typeof title === 'string' &&
    typeof exposeMessage === 'boolean'
  );
}
