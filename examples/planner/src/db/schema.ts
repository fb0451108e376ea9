/** The planner's tables, as Kysely sees them. Times are ISO 8601 UTC strings (sortable as text). */
export interface PlannerDatabase {
  users: UsersTable;
  events: EventsTable;
  event_participants: EventParticipantsTable;
  notifications: NotificationsTable;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

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

/** An in-app notification. `source_key` makes delivery idempotent: one row per (user, source). */
export interface NotificationsTable {
  id: string;
  user_id: string;
  type: NotificationType;
  event_id: string | null;
  message: string;
  source_key: string;
  created_at: string;
  read_at: string | null;
}

/** What a notification is about. */
export type NotificationType =
  | 'event_invited'
  | 'event_updated'
  | 'event_cancelled'
  | 'rsvp_changed'
  | 'event_reminder';
