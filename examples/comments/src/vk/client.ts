import { HttpClient, HttpClientError } from 'keel/http-client';
import { type RateLimitPolicy, type RetryPolicy, rateLimit, retry } from 'keel/resilience';
import type { z } from 'zod';
import { VkApiError } from './errors.js';
import { type VkComment, vkAnswerSchema } from './wire.js';

const RATE_MARGIN_MS = 25;

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
  /** The rate limit every attempt passes (register it in a ResilienceRegistry for metrics). */
  readonly rate: RateLimitPolicy;
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
    // VK counts arrivals: the margin keeps a start 1000 ms after another from arriving inside its second.
    this.rate = rateLimit({
      name: 'vk-api-rate',
      limit: options.ratePerSecond,
      intervalMs: 1000 + RATE_MARGIN_MS,
      maxWaitMs: 10 * 60_000,
    });
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
    // Every attempt waits its turn in the rate limit: retries count against VK's rate too.
    return this.retries.execute(
      (attempt) =>
        this.rate.execute((turn) => this.attempt(ownerId, postId, offset, turn.signal), { signal: attempt.signal }),
      options,
    );
  }

  /** A readiness check of the VK API: it answers (below 500) within 2 s. Not critical. */
  healthCheck() {
    return this.http.healthCheck({ name: 'vk-api', path: 'wall.getComments', critical: false, timeoutMs: 2000 });
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
      // 5xx, 429, timeouts and connection failures pass with time; another 4xx or a malformed body will not.
      const transient = status === undefined || status >= 500 || status === 429 || status === 408;
      throw new VkApiError(undefined, `HTTP ${status ?? 'failure'}: ${error.message}`, { transient, cause: error });
    }
    if ('error' in answer) throw new VkApiError(answer.error.error_code, answer.error.error_msg);
    return answer.response;
  }
}
