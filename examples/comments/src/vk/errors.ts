import { defineErrorCode, KeelError } from 'keel/errors';

declare module 'keel/errors' {
  interface ErrorCodes {
    /** VK's API refused a call for good (authorization, access denied, deleted or private) or kept failing. */
    vk_api_error: true;
  }
}

/** The code of a {@link VkApiError}: 502, the upstream VK API failed the call. */
export const VK_API_ERROR = defineErrorCode('vk_api_error', { status: 502, title: 'The VK API refused the call' });

// VK error codes (https://dev.vk.com/reference/errors) that a retry cannot fix.
const PERMANENT_REASONS: Record<number, string> = {
  5: 'authorization failed: VK_TOKEN is missing, invalid or expired',
  15: 'access denied to the post or its comments',
  18: 'the page or its owner was deleted or banned',
  30: 'the profile is private',
};
// Error 6 is "too many requests per second", 10 an internal error of VK's: both pass with time.
const TRANSIENT = new Set([1, 6, 9, 10]);

/** A VK API error answer (`{error: {error_code, error_msg}}`), or a call that kept failing. */
export class VkApiError extends KeelError {
  /** VK's `error_code`, or `undefined` when VK never answered with one (HTTP failures). */
  readonly vkCode: number | undefined;
  /** Whether another attempt may succeed (errors 6 and 10, HTTP 5xx). */
  readonly transient: boolean;

  constructor(vkCode: number | undefined, vkMessage: string, options: { transient?: boolean; cause?: unknown } = {}) {
    const reason = vkCode === undefined ? undefined : PERMANENT_REASONS[vkCode];
    super(
      VK_API_ERROR,
      reason ? `VK error ${vkCode}: ${reason} (${vkMessage})` : `VK error ${vkCode ?? '-'}: ${vkMessage}`,
      {
        cause: options.cause,
        extensions: vkCode === undefined ? {} : { vkErrorCode: vkCode },
      },
    );
    this.vkCode = vkCode;
    this.transient = options.transient ?? (vkCode !== undefined && TRANSIENT.has(vkCode));
  }
}
