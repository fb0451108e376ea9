import { afterEach, describe, expect, it } from 'vitest';
import { VkClient } from '../src/vk/client.js';
import { VkApiError } from '../src/vk/errors.js';
import { startVkStandIn, type VkStandIn } from '../src/vk/stand-in.js';

let standIn: VkStandIn | undefined;
let client: VkClient | undefined;

afterEach(async () => {
  await client?.http.close();
  await standIn?.close();
  client = undefined;
  standIn = undefined;
});

function clientOf(apiUrl: string, ratePerSecond = 50) {
  client = new VkClient({
    apiUrl,
    token: 'secret',
    version: '5.199',
    ratePerSecond,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
  });
  return client;
}

describe('VkClient against the VK stand-in', () => {
  it('reads a page in VK wire format, sending owner, post, count, offset, version and token', async () => {
    standIn = await startVkStandIn({ posts: { '-5_7': 250 }, token: 'secret' });
    const page = await clientOf(standIn.apiUrl).comments(-5, 7, 200);
    expect(page.count).toBe(250);
    expect(page.items).toHaveLength(50);
    expect(page.items[0]).toEqual(standIn.comment(-5, 7, 200));
    expect(standIn.requests[0]).toMatchObject({ ownerId: -5, postId: 7, offset: 200, outcome: 'ok' });
  });

  it.each([
    [{ kind: 'vk-error', code: 6 } as const, 'vk-error:6'],
    [{ kind: 'vk-error', code: 10 } as const, 'vk-error:10'],
    [{ kind: 'http-status', status: 500 } as const, 'http:500'],
    [{ kind: 'http-status', status: 503 } as const, 'http:503'],
  ])('retries %j with backoff until the page comes', async (fault, outcome) => {
    standIn = await startVkStandIn({
      posts: { '1_1': 10 },
      fault: ({ attempt }) => (attempt <= 2 ? fault : undefined),
    });
    const page = await clientOf(standIn.apiUrl).comments(1, 1, 0);
    expect(page.items).toHaveLength(10);
    expect(standIn.requests.map((request) => request.outcome)).toEqual([outcome, outcome, 'ok']);
    const [first, second, third] = standIn.requests.map((request) => request.at) as [number, number, number];
    // Exponential: the second wait is at least the first's minimum doubled (base 20 ms, equal jitter).
    expect(second - first).toBeGreaterThanOrEqual(10);
    expect(third - second).toBeGreaterThanOrEqual(20);
  });

  it.each([
    [5, /authorization failed/],
    [15, /access denied/],
    [18, /deleted or banned/],
    [30, /private/],
  ])('fails at once on VK error %i with a clear reason, never retried', async (code, reason) => {
    standIn = await startVkStandIn({ posts: { '1_1': 10 }, refusedPosts: { '1_1': code } });
    const error = await clientOf(standIn.apiUrl)
      .comments(1, 1, 0)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkApiError);
    expect((error as VkApiError).vkCode).toBe(code);
    expect((error as VkApiError).code).toBe('vk_api_error');
    expect((error as VkApiError).message).toMatch(reason);
    expect(standIn.requests).toHaveLength(1);
  });

  it('fails with error 5 when the token is wrong', async () => {
    standIn = await startVkStandIn({ posts: { '1_1': 10 }, token: 'other' });
    await expect(clientOf(standIn.apiUrl).comments(1, 1, 0)).rejects.toMatchObject({ vkCode: 5, transient: false });
  });

  it('never sends more than the rate in any one-second window, retries included', async () => {
    standIn = await startVkStandIn({
      posts: { '1_1': 5000 },
      fault: ({ offset, attempt }) => (offset % 700 === 0 && attempt === 1 ? { kind: 'vk-error', code: 6 } : undefined),
    });
    const vk = clientOf(standIn.apiUrl, 5);
    // Six parses of the same post at once share the client's throttle.
    await Promise.all(Array.from({ length: 4 }, (_, i) => vk.comments(1, 1, i * 700)));
    await Promise.all(Array.from({ length: 8 }, (_, i) => vk.comments(1, 1, 100 + i * 100)));
    expect(standIn.requests.length).toBeGreaterThanOrEqual(16);
    const most = standIn.maxInWindow(1000);
    console.log(`VK client: ${standIn.requests.length} requests, at most ${most} in any one-second window (rate 5)`);
    expect(most).toBeLessThanOrEqual(5);
  });

  it('keeps the rate as the server sees it while the event loop stalls between grant and send', async () => {
    standIn = await startVkStandIn({ posts: { '1_1': 3000 } });
    const vk = clientOf(standIn.apiUrl, 5);
    // Blocks the event loop 60 ms out of every 130: requests leave and arrive late, unevenly.
    const stall = setInterval(() => {
      const until = Date.now() + 60;
      while (Date.now() < until) {
        // busy: a stand-in for a heavy synchronous step elsewhere in the process
      }
    }, 130);
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => vk.comments(1, 1, i * 100)));
    } finally {
      clearInterval(stall);
    }
    const most = standIn.maxInWindow(1000);
    console.log(
      `VK client under event-loop stalls: ${standIn.requests.length} requests, at most ${most} in any one-second window (rate 5)`,
    );
    expect(most).toBeLessThanOrEqual(5);
  });

  it('stops waiting when its signal aborts', async () => {
    standIn = await startVkStandIn({ posts: { '1_1': 10 }, delayMs: 5000 });
    const controller = new AbortController();
    const pending = clientOf(standIn.apiUrl).comments(1, 1, 0, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    const started = Date.now();
    await expect(pending).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
