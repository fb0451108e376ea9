import { type Kysely, type Migration, sql } from 'keel/store';

/** An event. Times are ISO 8601 UTC strings (sortable as text). */
export interface EventsTable {
  id: string;
  title: string;
  description: string | null;
  starts_at: string;
  ends_at: string;
  location: string | null;
  organizer_id: string;
  created_at: string;
  updated_at: string;
}

/** RSVP states of a participant. */
export type ParticipantStatus = 'pending' | 'accepted' | 'declined' | 'tentative';

export interface EventParticipantsTable {
  event_id: string;
  user_id: string;
  status: ParticipantStatus;
  /** Insertion order within an event, so participants list in the order they were invited. */
  position: number;
  updated_at: string;
}

/** The tables the events feature owns. */
export interface EventTables {
  events: EventsTable;
  event_participants: EventParticipantsTable;
}

/** Migrations of the events tables (after the accounts', whose users they reference). */
export const eventMigrations: Record<string, Migration> = {
  '2026_11_23_002_events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('description', 'text')
        .addColumn('starts_at', 'text', (col) => col.notNull())
        .addColumn('ends_at', 'text', (col) => col.notNull())
        .addColumn('location', 'text')
        .addColumn('organizer_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addCheckConstraint('events_ends_after_starts', sql`ends_at > starts_at`)
        .execute();
      await db.schema
        .createIndex('events_organizer_starts')
        .on('events')
        .columns(['organizer_id', 'starts_at', 'id'])
        .execute();
      await db.schema
        .createTable('event_participants')
        .addColumn('event_id', 'text', (col) => col.notNull().references('events.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('position', 'integer', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('event_participants_pk', ['event_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('event_participants_user')
        .on('event_participants')
        .columns(['user_id', 'event_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('event_participants').execute();
      await db.schema.dropTable('events').execute();
    },
  },
};
