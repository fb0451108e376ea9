import type { Kysely, Selectable } from 'keel/store';
import type { Cursor } from '../common/cursor.js';
import type { EventsTable, ParticipantStatus, PlannerDatabase } from '../db/schema.js';

/** A stored event. */
export type EventRow = Selectable<EventsTable>;

/** A participant of an event. */
export interface ParticipantRow {
  event_id: string;
  user_id: string;
  status: ParticipantStatus;
}

/** Reads and writes events and their participants; every method takes the executor (db or transaction). */
export const eventRepository = {
  async find(db: Kysely<PlannerDatabase>, id: string): Promise<EventRow | undefined> {
    return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async insert(db: Kysely<PlannerDatabase>, event: EventRow): Promise<void> {
    await db.insertInto('events').values(event).execute();
  },

  async update(db: Kysely<PlannerDatabase>, event: EventRow): Promise<void> {
    const { id, ...values } = event;
    await db.updateTable('events').set(values).where('id', '=', id).execute();
  },

  async delete(db: Kysely<PlannerDatabase>, id: string): Promise<void> {
    await db.deleteFrom('events').where('id', '=', id).execute();
  },

  /** Participants of the given events, in invitation order. */
  async participants(db: Kysely<PlannerDatabase>, eventIds: readonly string[]): Promise<ParticipantRow[]> {
    if (eventIds.length === 0) return [];
    return db
      .selectFrom('event_participants')
      .select(['event_id', 'user_id', 'status'])
      .where('event_id', 'in', [...eventIds])
      .orderBy('event_id')
      .orderBy('position')
      .execute();
  },

  async addParticipants(
    db: Kysely<PlannerDatabase>,
    eventId: string,
    userIds: readonly string[],
    now: string,
  ): Promise<void> {
    if (userIds.length === 0) return;
    const last = await db
      .selectFrom('event_participants')
      .select((eb) => eb.fn.max('position').as('position'))
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    const start = Number(last?.position ?? -1) + 1;
    await db
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
  },

  async removeParticipants(db: Kysely<PlannerDatabase>, eventId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await db
      .deleteFrom('event_participants')
      .where('event_id', '=', eventId)
      .where('user_id', 'in', [...userIds])
      .execute();
  },

  /** Sets a participant's status; false when the user is not a participant. */
  async setStatus(
    db: Kysely<PlannerDatabase>,
    eventId: string,
    userId: string,
    status: ParticipantStatus,
    now: string,
  ): Promise<boolean> {
    const result = await db
      .updateTable('event_participants')
      .set({ status, updated_at: now })
      .where('event_id', '=', eventId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** One page of the events a user organizes or joins, by start time then id. */
  async pageFor(
    db: Kysely<PlannerDatabase>,
    userId: string,
    limit: number,
    after: Cursor | undefined,
  ): Promise<EventRow[]> {
    let query = db
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
  },
};
