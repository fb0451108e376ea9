import { eventually } from 'keel/testing';
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

/** Polls `read` until `done` holds (Keel's `eventually`), or throws with the last value after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  let last: T | undefined;
  await eventually(
    async () => {
      last = await read();
      if (!done(last)) throw new Error(`condition not met; last: ${JSON.stringify(last)}`);
    },
    { timeoutMs, intervalMs: 50 },
  );
  return last as T;
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
