import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { PolicyContext } from '../resilience/index.js';
import { AttemptFailure, retryAfterMs, transportKind } from './attempt-failure.js';
import { isReusedSocketReset } from './connector.js';
import type { Tracked } from './deadlines.js';
import type { RetryReason } from './metrics.js';
import { statusClass } from './metrics.js';
import type { Origin } from './origin.js';
import { BodyTooLargeError, excerpt, readBody } from './read-body.js';
import { pathOnly, redactHeaders, redactPath } from './redact.js';

/** One exchange's outcome: the response, its body read. */
export interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What a call reads from its client, the same for every call. */
export interface CallSettings {
  retryOnStatus: ReadonlySet<number>;
  maxResponseBytes: number;
  logger: Logger | undefined;
  /** The caller's rewrite of a path before it is shown (a credential in the path). */
  rewritePath: ((path: string) => string) | undefined;
}

/** Why a call's own signal fired. */
export type Ended = 'deadline' | 'caller' | 'stopped' | undefined;

/**
 * One request from start to end: its attempts (each through the origin's policies), the one resend
 * of the keep-alive race, its deadline and its caller's signal. One object per request, so a
 * request costs no closures beyond `run`. It is also the abort signal undici is given (undici takes
 * an emitter of `abort`): an AbortController per request cost a tenth of the client's time.
 */
export class Call implements Tracked {
  attempts = 0;
  /** Links of the client's list of calls in flight. */
  previous: Tracked | undefined = undefined;
  next: Tracked | undefined = undefined;
  /** Read by undici: set once the call ends early. */
  aborted = false;
  /** Read by undici: why the call ended early. */
  reason: unknown;
  private listener: (() => void) | undefined;
  ended: Ended;
  private raced = false;
  private lastReason: RetryReason = 'network';

  constructor(
    readonly origin: Origin,
    readonly method: string,
    readonly path: string,
    private headers: Record<string, string>,
    private readonly body: string | Uint8Array | Readable | null,
    /** The body is a stream: it cannot be sent twice. */
    readonly streamed: boolean,
    /** The body can be sent again and the method allows it (idempotent, or keyed). */
    readonly replayable: boolean,
    /** Failed attempts may be retried by the origin's retry policy. */
    readonly retryable: boolean,
    readonly timeoutMs: number,
    readonly deadlineAt: number,
    private readonly settings: CallSettings,
    /** The caller's signal (a call is also the ExecuteOptions its policies get: `signal`, `deadlineAt`). */
    readonly signal: AbortSignal | undefined,
  ) {}

  /** The path as errors show it: rewritten by the client's `redactPath`, without its query. */
  get errorPath(): string {
    return pathOnly(this.shownPath(this.path));
  }

  private shownPath(path: string): string {
    const rewrite = this.settings.rewritePath;
    return rewrite === undefined ? path : rewrite(path);
  }

  /** Adds a bearer token asked of a function (the client's headers are shared: copied first). */
  async authorize(token: () => string | Promise<string>): Promise<void> {
    this.headers = { ...this.headers, authorization: `Bearer ${await token()}` };
  }

  /** The caller's signal fired (this object is its listener: no closure per request). */
  handleEvent(): void {
    this.end('caller', this.signal?.reason);
  }

  /** Its deadline passed. */
  expire(): void {
    this.end('deadline');
  }

  /** Aborts the call's work, once, remembering why. */
  end(why: Exclude<Ended, undefined>, reason?: unknown): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    this.aborted = true;
    this.reason = reason ?? new DOMException(`the request ended: ${why}`, 'AbortError');
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  /** For undici: listens for the end of the call (one attempt at a time listens). */
  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  /** For undici: as {@link on}. */
  once(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  /** For undici: stops listening. */
  removeListener(_event: 'abort', listener: () => void): this {
    if (this.listener === listener) this.listener = undefined;
    return this;
  }

  /**
   * The work each policy attempt runs (a call sent before is a retry): one exchange, sent once
   * more on the keep-alive race. One async frame: each await is a microtask per request.
   */
  readonly run = async (context: PolicyContext): Promise<Exchange> => {
    if (this.attempts > 0) this.origin.metrics?.retried(this.lastReason);
    for (;;) {
      if (this.aborted) throw this.abortFailure(undefined, this.reason);
      if (context.signal.aborted) throw context.signal.reason;
      this.attempts += 1;
      const started = performance.now();
      let status: number | undefined;
      let exchange: Exchange;
      try {
        const response = await this.origin.pool.request({
          path: this.path,
          method: this.method as Dispatcher.HttpMethod,
          headers: this.headers,
          body: this.body,
          signal: this,
        });
        status = response.statusCode;
        exchange = {
          status,
          headers: response.headers,
          body: await readBody(response.body, this.settings.maxResponseBytes),
        };
      } catch (error) {
        this.observe(status, started);
        const failure = this.failure(error, status);
        if (this.isKeepAliveRace(failure, context.signal)) {
          this.raced = true;
          this.origin.metrics?.retried('keepalive');
          continue;
        }
        throw failure;
      }
      this.observe(status, started);
      if (this.settings.retryOnStatus.has(status)) {
        this.lastReason = 'status';
        throw new AttemptFailure(
          'status',
          `answered ${status}`,
          this.retryable,
          status,
          excerpt(exchange.body),
          retryAfterMs(exchange.headers['retry-after'], Date.now()),
        );
      }
      return exchange;
    }
  };

  // The keep-alive race: the request never reached a live connection, so sending it once more is safe.
  private isKeepAliveRace(failure: unknown, signal: AbortSignal): boolean {
    return (
      !this.raced &&
      this.replayable &&
      !this.aborted &&
      !signal.aborted &&
      failure instanceof AttemptFailure &&
      failure.kind === 'network' &&
      isReusedSocketReset(failure.cause)
    );
  }

  private failure(error: unknown, status: number | undefined): unknown {
    if (error instanceof BodyTooLargeError) return new AttemptFailure('too_large', error.message, false, status);
    if (this.aborted) return this.abortFailure(status, error);
    const kind = transportKind(error);
    // Not a transport failure (a bad header value, a bug): not the origin's fault, never retried.
    if (kind === undefined) return error;
    this.lastReason = kind;
    return new AttemptFailure(kind, kind, this.retryable, status, undefined, undefined, error);
  }

  private abortFailure(status: number | undefined, cause: unknown): AttemptFailure {
    const kind = this.ended === 'deadline' ? 'deadline' : 'aborted';
    return new AttemptFailure(kind, kind, false, status, undefined, undefined, cause);
  }

  private observe(status: number | undefined, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.origin.metrics?.observe(this.method, status === undefined ? 'error' : statusClass(status), seconds);
    const logger = this.settings.logger;
    if (logger?.isLevelEnabled('debug')) {
      logger.debug(
        {
          method: this.method,
          url: this.origin.origin + redactPath(this.shownPath(this.path)),
          headers: redactHeaders(this.headers),
          status,
          attempt: this.attempts,
          durationMs: Math.round(seconds * 100_000) / 100,
        },
        'http client attempt',
      );
    }
  }
}
