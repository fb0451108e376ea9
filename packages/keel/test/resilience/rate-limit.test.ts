import { describe, expect, it } from 'vitest';
import { RateLimitExceededError, type ResilienceEvent, rateLimit, wrap } from '../../src/resilience/index.js';

// Most starts within any window of `windowMs` (a start exactly windowMs after another is outside it).
function mostInAnyWindow(starts: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0; i < starts.length; i++) {
    let inWindow = 0;
    for (let j = i; j < starts.length && (starts[j] as number) - (starts[i] as number) < windowMs; j++) inWindow++;
    most = Math.max(most, inWindow);
  }
  return most;
}

describe('rateLimit', () => {
  it('starts at most limit calls in any interval, making the rest wait in order', async () => {
    const limit = rateLimit({ name: 'vk', limit: 3, intervalMs: 200 });
    const starts: number[] = [];
    const order: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        limit.execute(() => {
          starts.push(Date.now());
          order.push(i);
        }),
      ),
    );
    // Date.now() is what the limit counts in; a timer never fires early.
    expect(mostInAnyWindow(starts, 200)).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect((starts.at(-1) as number) - started).toBeGreaterThanOrEqual(400);
  });

  it('counts each key on its own (per chat) under a shared limit (per bot)', async () => {
    const perBot = rateLimit({ name: 'bot', limit: 30, intervalMs: 1000 });
    const perChat = rateLimit({ name: 'chat', limit: 1, intervalMs: 300 });
    const starts = new Map<string, number[]>();
    const send = (chat: string) =>
      wrap(perChat.forKey(chat), perBot).execute(() => {
        starts.set(chat, [...(starts.get(chat) ?? []), Date.now()]);
      });
    await Promise.all(['a', 'b', 'a', 'b', 'c', 'a'].map(send));
    expect(starts.get('a')).toHaveLength(3);
    expect(mostInAnyWindow(starts.get('a') as number[], 300)).toBe(1);
    expect(mostInAnyWindow(starts.get('b') as number[], 300)).toBe(1);
    // Different chats do not wait for each other.
    expect(Math.abs((starts.get('a')?.[0] as number) - (starts.get('c')?.[0] as number))).toBeLessThan(250);
  });

  it('refuses at once a call whose turn is beyond maxWaitMs or its deadline', async () => {
    const limit = rateLimit({ name: 'sms', limit: 1, intervalMs: 10_000, maxWaitMs: 1000 });
    const events: ResilienceEvent[] = [];
    limit.onEvent((event) => events.push(event));
    await limit.execute(() => 'first');
    const refused = await limit.execute(() => 'second').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitExceededError);
    expect(refused).toMatchObject({ code: 'rate_limit_exceeded', status: 503, policy: 'sms' });
    expect((refused as RateLimitExceededError).retryAfterMs).toBeGreaterThan(9000);
    const soon = rateLimit({ limit: 1, intervalMs: 500 });
    await soon.execute(() => 'first');
    await expect(soon.execute(() => 'second', { deadlineAt: Date.now() + 100 })).rejects.toBeInstanceOf(
      RateLimitExceededError,
    );
    expect(events.map((e) => [e.kind, e.reason])).toEqual([['rate_limit_reject', 'max_wait']]);
  });

  it("ends a wait when the caller's signal fires and gives its turn back", async () => {
    const limit = rateLimit({ limit: 1, intervalMs: 300 });
    await limit.execute(() => 'first');
    const controller = new AbortController();
    const waiting = limit.execute(() => 'never', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('caller left')), 20);
    await expect(waiting).rejects.toThrow('caller left');
    const started = Date.now();
    await limit.execute(() => 'third');
    // The abandoned turn was given back: the third call takes the second's place, not a later one.
    expect(Date.now() - started).toBeLessThan(450);
  });

  it('forgets idle keys beyond maxKeys and refuses bad keys', async () => {
    const limit = rateLimit({ limit: 1, intervalMs: 50, maxKeys: 2 });
    await limit.forKey('a').execute(() => 1);
    await limit.forKey(2).execute(() => 2);
    await limit.forKey('c').execute(() => 3);
    expect(() => limit.forKey('')).toThrow(/a key must be/);
    expect(() => rateLimit({ limit: 0 })).toThrow(/limit must be 1 or more/);
  });
});
