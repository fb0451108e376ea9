import type { HealthCheck } from 'keel/health';
import { HttpClient, HttpClientError } from 'keel/http-client';
import { type RetryPolicy, retry } from 'keel/resilience';
import type { z } from 'zod';
import { ArrivalThrottle } from './arrival-throttle.js';
import { VkApiError } from './errors.js';
import { type VkComment, vkAnswerSchema } from './wire.js';

// How long a call's outcome stands for VK's health before readiness asks VK itself.
const HEALTH_REUSE_MS = 30_000;

/** Comments VK returns per `wall.getComments` call at most. */
export const VK_PAGE_SIZE = 100;

/** Options of {@link VkClient}. */
export interface VkClientOptions {
  /** Base URL of the methods, e.g. `https://api.vk.com/method`. */
  apiUrl: string;
  /** The access token. */
  token: string;
  /** The API version, e.g. `5.199`. */
  version: string;
  /** Most requests in any one-second window, retries included. */
  ratePerSecond: number;
  /** Attempts of one page before the call fails. Default: 8. */
  maxAttempts?: number;
  /** First backoff after a transient failure, doubled each time (half jitter). Default: 250. */
  backoffBaseMs?: number;
  /** Longest backoff. Default: 10000. */
  backoffMaxMs?: number;
  /** Deadline of one HTTP attempt. Default: 15000. */
  attemptTimeoutMs?: number;
}

/** One page of a post's comments. */
export interface CommentPage {
  /** The post's comment count as VK reports it now. */
  count: number;
  items: VkComment[];
}

/**
 * The VK API client: `wall.getComments` through keel/http-client, throttled to the configured rate
 * (every attempt counts), errors 6 and 10 and HTTP 5xx retried with exponential backoff, errors 5,
 * 15, 18 and 30 failed at once with their reason. The HTTP client is a component: list it in a feature.
 */
export class VkClient {
  readonly http: HttpClient;
  private readonly throttle: ArrivalThrottle;
  // What the last call learned about VK's reachability: readiness reuses it instead of calling again.
  private lastOutcome: { at: number; reachable: boolean; error?: string } | undefined;
  /** The retries of transient failures (register it in a ResilienceRegistry for metrics). */
  readonly retries: RetryPolicy;

  constructor(private readonly options: VkClientOptions) {
    this.http = new HttpClient({
      name: 'vk-api',
      baseUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      timeoutMs: options.attemptTimeoutMs ?? 15_000,
      // Retries are ours: each one must pass the throttle, and VK reports its own errors with HTTP 200.
      retry: false,
      circuitBreaker: false,
    });
    this.throttle = new ArrivalThrottle(options.ratePerSecond, 1000);
    this.retries = retry({
      name: 'vk-api-retry',
      maxRetries: (options.maxAttempts ?? 8) - 1,
      baseDelayMs: options.backoffBaseMs ?? 250,
      maxDelayMs: options.backoffMaxMs ?? 10_000,
      isTransient: (error) => error instanceof VkApiError && error.transient,
    });
  }

  /** One page of a post's comments, oldest first, from `offset`. */
  async comments(ownerId: number, postId: number, offset: number, signal?: AbortSignal): Promise<CommentPage> {
    const options = signal ? { signal } : {};
    // Every attempt takes a place in the throttle: retries count against VK's rate too.
    return this.retries.execute(
      (attempt) => this.throttle.run(() => this.attempt(ownerId, postId, offset, attempt.signal), attempt.signal),
      options,
    );
  }

  /**
   * A readiness check of the VK API, not critical: up when VK answered (any VK answer, errors
   * included) in the last 30 s, down when it failed then (HTTP 5xx, network); with no recent call it
   * asks VK once, through the throttle, so probes never push VK past the rate.
   */
  healthCheck(): HealthCheck {
    return {
      name: 'vk-api',
      critical: false,
      timeoutMs: 2000,
      check: async (signal) => {
        // Without a token every call would fail on authorization: nothing to ask VK.
        if (this.options.token === '') throw new Error('not configured (VK_TOKEN): parse tasks fail on authorization');
        const recent = this.lastOutcome;
        if (recent && Date.now() - recent.at < HEALTH_REUSE_MS) {
          if (!recent.reachable) throw new Error(recent.error ?? 'the last VK call failed');
          return { lastCallAgoMs: Date.now() - recent.at };
        }
        const response = await this.throttle.run(
          () =>
            this.http.request({
              path: 'wall.getComments',
              query: { v: this.options.version },
              throwOnStatus: false,
              retry: false,
              signal,
            }),
          signal,
        );
        if (response.status >= 500) throw new Error(`VK answered HTTP ${response.status}`);
        return { status: response.status };
      },
    };
  }

  private async attempt(ownerId: number, postId: number, offset: number, signal: AbortSignal): Promise<CommentPage> {
    let answer: z.output<typeof vkAnswerSchema>;
    try {
      answer = await this.http.getJson('wall.getComments', vkAnswerSchema, {
        query: {
          owner_id: ownerId,
          post_id: postId,
          count: VK_PAGE_SIZE,
          offset,
          sort: 'asc',
          need_likes: 1,
          v: this.options.version,
          access_token: this.options.token,
        },
        signal,
      });
    } catch (error) {
      if (signal.aborted || !(error instanceof HttpClientError)) throw error;
      const status = error.upstreamStatus;
      this.lastOutcome = { at: Date.now(), reachable: status !== undefined && status < 500, error: error.message };
      // 5xx, 429, timeouts and connection failures pass with time; another 4xx or a malformed body will not.
      const transient = status === undefined || status >= 500 || status === 429 || status === 408;
      throw new VkApiError(undefined, `HTTP ${status ?? 'failure'}: ${error.message}`, { transient, cause: error });
    }
    this.lastOutcome = { at: Date.now(), reachable: true };
    if ('error' in answer) throw new VkApiError(answer.error.error_code, answer.error.error_msg);
    return answer.response;
  }
}
