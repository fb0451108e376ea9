import type { Kysely, Selectable, Store } from 'keel/store';
import type { Cursor } from '../common/cursor.js';
import type { PlannerDatabase } from '../database.js';
import type { EventsTable, ParticipantStatus } from './tables.js';

/** A stored event. */
export type EventRow = Selectable<EventsTable>;

/** A participant of an event. */
export interface ParticipantRow {
  event_id: string;
  user_id: string;
  status: ParticipantStatus;
}

/** Reads and writes events and their participants, inside the caller's transaction when there is one. */
export class EventRepository {
  constructor(private readonly store: Store<PlannerDatabase>) {}

  private get db(): Kysely<PlannerDatabase> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  async find(id: string): Promise<EventRow | undefined> {
    return this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insert(event: EventRow): Promise<void> {
    await this.db.insertInto('events').values(event).execute();
  }

  async update(event: EventRow): Promise<void> {
    const { id, ...values } = event;
    await this.db.updateTable('events').set(values).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('events').where('id', '=', id).execute();
  }

  /** Participants of the given events, in invitation order. */
  async participants(eventIds: readonly string[]): Promise<ParticipantRow[]> {
    if (eventIds.length === 0) return [];
    return this.db
      .selectFrom('event_participants')
      .select(['event_id', 'user_id', 'status'])
      .where('event_id', 'in', [...eventIds])
      .orderBy('event_id')
      .orderBy('position')
      .execute();
  }

  async addParticipants(eventId: string, userIds: readonly string[], now: string): Promise<void> {
    if (userIds.length === 0) return;
    const last = await this.db
      .selectFrom('event_participants')
      .select((eb) => eb.fn.max('position').as('position'))
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    const start = Number(last?.position ?? -1) + 1;
    await this.db
      .insertInto('event_participants')
      .values(
        userIds.map((userId, i) => ({
          event_id: eventId,
          user_id: userId,
          status: 'pending' as const,
          position: start + i,
          updated_at: now,
        })),
      )
      .execute();
  }

  async removeParticipants(eventId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.db
      .deleteFrom('event_participants')
      .where('event_id', '=', eventId)
      .where('user_id', 'in', [...userIds])
      .execute();
  }

  /** Sets a participant's status; false when the user is not a participant. */
  async setStatus(eventId: string, userId: string, status: ParticipantStatus, now: string): Promise<boolean> {
    const result = await this.db
      .updateTable('event_participants')
      .set({ status, updated_at: now })
      .where('event_id', '=', eventId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** One page of the events a user organizes or joins, by start time then id. */
  async pageFor(userId: string, limit: number, after: Cursor | undefined): Promise<EventRow[]> {
    let query = this.db
      .selectFrom('events')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('organizer_id', '=', userId),
          eb('id', 'in', eb.selectFrom('event_participants').select('event_id').where('user_id', '=', userId)),
        ]),
      );
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('starts_at', '>', after.key), eb.and([eb('starts_at', '=', after.key), eb('id', '>', after.id)])]),
      );
    }
    return query.orderBy('starts_at').orderBy('id').limit(limit).execute();
  }
}
