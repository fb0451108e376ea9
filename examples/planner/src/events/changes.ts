import type { EventView } from './schemas.js';
import type { ParticipantStatus } from './tables.js';

/** Something that happened to an event, told to listeners inside the transaction that made it. */
export type EventChange =
  | { kind: 'created'; event: EventView; actorId: string }
  | { kind: 'updated'; event: EventView; before: EventView; actorId: string }
  | { kind: 'deleted'; event: EventView; actorId: string }
  | { kind: 'status_changed'; event: EventView; userId: string; from: ParticipantStatus; to: ParticipantStatus };

/**
 * Reacts to an event change inside its transaction (enqueues notification jobs, moves the
 * reminder): what it writes and enqueues joins that transaction, so it is stored if and only if the
 * change commits.
 */
export type EventChangeListener = (change: EventChange) => Promise<void>;
