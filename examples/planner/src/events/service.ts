import type { UserRepository } from 'keel/accounts';
import { ForbiddenError, NotFoundError, ValidationError } from 'keel/errors';
import type { Store } from 'keel/store';
import { type Cursor, decodeCursor, encodeCursor } from '../common/cursor.js';
import { idOrNotFound, newId } from '../common/ids.js';
import type { PlannerDatabase } from '../database.js';
import type { EventChange, EventChangeListener } from './changes.js';
import type { EventRepository, EventRow, ParticipantRow } from './repository.js';
import type { EventInput, EventView } from './schemas.js';
import type { ParticipantStatus } from './tables.js';

/** A page of events. */
export interface EventPage {
  items: EventView[];
  nextCursor: string | null;
}

/** Where event pages are read through (a cache); the default reads straight from the database. */
export interface EventPageCache {
  read(userId: string, limit: number, cursor: string | undefined, load: () => Promise<EventPage>): Promise<EventPage>;
}

/** The events domain: who may do what, and which writes go together in one transaction. */
export class EventService {
  private readonly listeners: EventChangeListener[] = [];
  private readonly committedListeners: ((change: EventChange) => Promise<void>)[] = [];

  constructor(
    private readonly store: Store<PlannerDatabase>,
    private readonly events: EventRepository,
    private readonly users: UserRepository,
    private readonly pages: EventPageCache = { read: (_userId, _limit, _cursor, load) => load() },
  ) {}

  /** Adds a listener told of every change inside its transaction. */
  onChange(listener: EventChangeListener): void {
    this.listeners.push(listener);
  }

  /** Adds a listener told of every change after it commits, before the caller gets its answer (e.g. cache invalidation). */
  onCommitted(listener: (change: EventChange) => Promise<void>): void {
    this.committedListeners.push(listener);
  }

  async create(actorId: string, input: EventInput): Promise<EventView> {
    const now = new Date().toISOString();
    const row: EventRow = {
      id: newId(),
      ...editableFields(input),
      organizer_id: actorId,
      created_at: now,
      updated_at: now,
    };
    return this.write(async (tell) => {
      const participantIds = input.participantIds ?? [];
      await this.requireUsers(participantIds);
      await this.events.insert(row);
      await this.events.addParticipants(row.id, participantIds, now);
      const event = await this.view(row);
      await tell({ kind: 'created', event, actorId });
      return event;
    });
  }

  async list(actorId: string, limit: number, cursor: string | undefined): Promise<EventPage> {
    const after: Cursor | undefined = cursor === undefined ? undefined : decodeCursor(cursor);
    return this.pages.read(actorId, limit, cursor, () => this.readPage(actorId, limit, after));
  }

  private async readPage(actorId: string, limit: number, after: Cursor | undefined): Promise<EventPage> {
    const rows = await this.events.pageFor(actorId, limit + 1, after);
    const page = rows.slice(0, limit);
    const items = await this.views(page);
    const last = page.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor({ key: last.starts_at, id: last.id }) : null,
    };
  }

  async get(actorId: string, rawId: string): Promise<EventView> {
    const event = await this.view(await this.find(rawId));
    if (event.organizerId !== actorId && !event.participants.some((p) => p.userId === actorId)) {
      throw new ForbiddenError('Only the organizer and participants may see this event');
    }
    return event;
  }

  async update(actorId: string, rawId: string, input: EventInput): Promise<EventView> {
    return this.write(async (tell) => {
      const current = await this.find(rawId);
      requireOrganizer(current, actorId);
      const before = await this.view(current);
      const now = new Date().toISOString();
      const row: EventRow = { ...current, ...editableFields(input), updated_at: now };
      await this.events.update(row);
      if (input.participantIds !== undefined) {
        const wanted = new Set(input.participantIds);
        const existing = new Set(before.participants.map((p) => p.userId));
        const added = input.participantIds.filter((id) => !existing.has(id));
        await this.requireUsers(added);
        await this.events.removeParticipants(
          row.id,
          [...existing].filter((id) => !wanted.has(id)),
        );
        await this.events.addParticipants(row.id, added, now);
      }
      const event = await this.view(row);
      await tell({ kind: 'updated', event, before, actorId });
      return event;
    });
  }

  async remove(actorId: string, rawId: string): Promise<void> {
    await this.write(async (tell) => {
      const current = await this.find(rawId);
      requireOrganizer(current, actorId);
      const event = await this.view(current);
      await this.events.delete(current.id);
      await tell({ kind: 'deleted', event, actorId });
    });
  }

  async setStatus(
    actorId: string,
    rawEventId: string,
    rawUserId: string,
    status: ParticipantStatus,
  ): Promise<EventView> {
    return this.write(async (tell) => {
      const current = await this.find(rawEventId);
      const userId = idOrNotFound(rawUserId, 'User');
      if (userId !== actorId) throw new ForbiddenError('Only the participant may answer for themselves');
      const before = await this.view(current);
      const previous = before.participants.find((p) => p.userId === userId);
      if (!previous) throw new NotFoundError('You are not a participant of this event');
      const now = new Date().toISOString();
      await this.events.setStatus(current.id, userId, status, now);
      const event = await this.view(current);
      if (previous.status !== status) {
        await tell({ kind: 'status_changed', event, userId, from: previous.status, to: status });
      }
      return event;
    });
  }

  private async find(rawId: string): Promise<EventRow> {
    const row = await this.events.find(idOrNotFound(rawId, 'Event'));
    if (!row) throw new NotFoundError(`Event ${rawId} was not found`);
    return row;
  }

  private async requireUsers(ids: readonly string[]): Promise<void> {
    const missing = new Set(await this.users.missing(ids));
    if (missing.size === 0) return;
    throw new ValidationError(
      ids.flatMap((id, index) =>
        missing.has(id) ? [{ location: 'body', path: `participantIds.${index}`, message: `no user has id ${id}` }] : [],
      ),
    );
  }

  private async view(row: EventRow): Promise<EventView> {
    const [event] = await this.views([row]);
    return event!;
  }

  private async views(rows: readonly EventRow[]): Promise<EventView[]> {
    const participants = await this.events.participants(rows.map((row) => row.id));
    const byEvent = new Map<string, ParticipantRow[]>();
    for (const p of participants) byEvent.set(p.event_id, [...(byEvent.get(p.event_id) ?? []), p]);
    return rows.map((row) => toView(row, byEvent.get(row.id) ?? []));
  }

  // One transaction: listeners hear each change inside it, committed listeners after it commits.
  private async write<T>(work: (tell: (change: EventChange) => Promise<void>) => Promise<T>): Promise<T> {
    const changes: EventChange[] = [];
    const result = await this.store.transaction(() =>
      work(async (change) => {
        changes.push(change);
        for (const listener of this.listeners) await listener(change);
      }),
    );
    for (const change of changes) for (const listener of this.committedListeners) await listener(change);
    return result;
  }
}

/** The columns a create or a full update sets from the request body. */
function editableFields(
  input: EventInput,
): Pick<EventRow, 'title' | 'description' | 'starts_at' | 'ends_at' | 'location'> {
  return {
    title: input.title,
    description: input.description ?? null,
    starts_at: input.startsAt,
    ends_at: input.endsAt,
    location: input.location ?? null,
  };
}

function requireOrganizer(event: EventRow, actorId: string): void {
  if (event.organizer_id !== actorId) throw new ForbiddenError('Only the organizer may change this event');
}

function toView(row: EventRow, participants: readonly ParticipantRow[]): EventView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    location: row.location,
    organizerId: row.organizer_id,
    participants: participants.map((p) => ({ userId: p.user_id, status: p.status })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
