import type { DeliveryRow, NotificationRow, StoredMs } from './schema.js';
import type { Delivery, DeliveryAttempt, DeliveryState, Notification } from './types.js';

/** Epoch ms from a stored value (PostgreSQL bigints arrive as strings). */
export const toMs = (value: StoredMs): number => Number(value);
export const toDate = (value: StoredMs | null): Date | null => (value === null ? null : new Date(Number(value)));

/** The history as stored: dates as epoch ms. */
export interface StoredAttempt {
  attempt: number;
  at: number;
  outcome: string;
  status?: number;
  reason?: string;
  nextAttemptAt?: number;
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    recipientId: row.recipient_id,
    type: row.type,
    payload: JSON.parse(row.payload) as unknown,
    idempotencyKey: row.idempotency_key,
    createdAt: new Date(toMs(row.created_at)),
  };
}

export function toDelivery(row: DeliveryRow): Delivery {
  const history = (JSON.parse(row.history) as StoredAttempt[]).map(
    (a): DeliveryAttempt => ({
      attempt: a.attempt,
      at: new Date(a.at),
      outcome: a.outcome,
      ...(a.status !== undefined ? { status: a.status } : {}),
      ...(a.reason !== undefined ? { reason: a.reason } : {}),
      ...(a.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(a.nextAttemptAt) } : {}),
    }),
  );
  return {
    id: row.id,
    notificationId: row.notification_id,
    channel: row.channel,
    target: row.target,
    state: row.state as DeliveryState,
    reason: row.reason,
    attempts: row.attempts,
    history,
    nextAttemptAt: toDate(row.next_attempt_at),
    lastAttemptAt: toDate(row.last_attempt_at),
    deliveredAt: toDate(row.delivered_at),
    createdAt: new Date(toMs(row.created_at)),
  };
}

/** The history with one more attempt, keeping the newest 25. */
export function appendAttempt(history: string, attempt: StoredAttempt): string {
  const list = JSON.parse(history) as StoredAttempt[];
  list.push(attempt);
  return JSON.stringify(list.slice(-25));
}
