import type { PlannerHarness } from './harness.js';

/** A notification as the inbox API answers it. */
export interface InboxItem {
  id: string;
  type: string;
  eventId: string | null;
  message: string;
  createdAt: string;
  readAt: string | null;
}

/** Polls `read` until `done` holds, or throws with the last value after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every notification of a user (all pages), newest first. */
export async function inbox(h: PlannerHarness, token: string, unread = false): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${unread ? '&unread=true' : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await h.call('GET', `/api/v1/notifications?${query}`, { token });
    if (page.status !== 200) throw new Error(`inbox answered ${page.status}: ${JSON.stringify(page.body)}`);
    items.push(...(page.body.items as InboxItem[]));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  return items;
}

/** Waits until a user's inbox holds at least `count` notifications; returns them. */
export function inboxOf(h: PlannerHarness, token: string, count: number, timeoutMs?: number): Promise<InboxItem[]> {
  return waitFor(
    () => inbox(h, token),
    (items) => items.length >= count,
    timeoutMs,
  );
}

/** An ISO time `ms` from now. */
export function fromNow(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}
