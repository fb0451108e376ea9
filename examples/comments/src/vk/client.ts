import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient, HttpClientError } from 'keel/http-client';
import { VkApiError } from './errors.js';
import { SlidingWindowThrottle } from './throttle.js';
import { type VkComment, vkAnswerSchema } from './wire.js';

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
  /** First backoff after a transient failure, doubled each time (with jitter). Default: 250. */
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
  private readonly throttle: SlidingWindowThrottle;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(private readonly options: VkClientOptions) {
    this.http = new HttpClient({
      name: 'vk-api',
      baseUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
      timeoutMs: options.attemptTimeoutMs ?? 15_000,
      // Retries are ours: each one must pass the throttle, and VK reports its own errors with HTTP 200.
      retry: false,
      circuitBreaker: false,
    });
    this.throttle = new SlidingWindowThrottle(options.ratePerSecond, 1000);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffMaxMs = options.backoffMaxMs ?? 10_000;
  }

  /** One page of a post's comments, oldest first, from `offset`. */
  async comments(ownerId: number, postId: number, offset: number, signal?: AbortSignal): Promise<CommentPage> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(ownerId, postId, offset, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const failure = asVkError(error);
        if (!failure.transient || attempt >= this.maxAttempts) throw failure;
        const capMs = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
        // Equal jitter: at least half the exponential delay, so retries really back off.
        await sleep(capMs / 2 + Math.random() * (capMs / 2), undefined, signal ? { signal } : {});
      }
    }
  }

  /** A readiness check of the VK API: it answers (below 500) within 2 s. Not critical. */
  healthCheck() {
    return this.http.healthCheck({ name: 'vk-api', path: 'wall.getComments', critical: false, timeoutMs: 2000 });
  }

  private async attempt(ownerId: number, postId: number, offset: number, signal?: AbortSignal): Promise<CommentPage> {
    await this.throttle.acquire(signal);
    const answer = await this.http.getJson('wall.getComments', vkAnswerSchema, {
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
      ...(signal ? { signal } : {}),
    });
    if ('error' in answer) throw new VkApiError(answer.error.error_code, answer.error.error_msg);
    return answer.response;
  }
}

function asVkError(error: unknown): VkApiError {
  if (error instanceof VkApiError) return error;
  if (error instanceof HttpClientError) {
    const status = error.upstreamStatus;
    // 5xx, 429, timeouts and connection failures pass with time; another 4xx will not.
    const transient = status === undefined || status >= 500 || status === 429 || status === 408;
    return new VkApiError(undefined, `HTTP ${status ?? 'failure'}: ${error.message}`, { transient, cause: error });
  }
  return new VkApiError(undefined, error instanceof Error ? error.message : String(error), {
    transient: false,
    cause: error,
  });
}
