import type { Transaction } from 'keel/store';
import type { ParticipantStatus, PlannerDatabase } from '../db/schema.js';
import type { EventView } from './schemas.js';

/** Something that happened to an event, told to listeners inside the transaction that made it. */
export type EventChange =
  | { kind: 'created'; event: EventView; actorId: string }
  | { kind: 'updated'; event: EventView; before: EventView; actorId: string }
  | { kind: 'deleted'; event: EventView; actorId: string }
  | { kind: 'status_changed'; event: EventView; userId: string; from: ParticipantStatus; to: ParticipantStatus };

/**
 * Reacts to an event change in the same transaction (e.g. enqueues notification jobs), so the
 * reaction is stored if and only if the change commits.
 */
export type EventChangeListener = (trx: Transaction<PlannerDatabase>, change: EventChange) => Promise<void>;
