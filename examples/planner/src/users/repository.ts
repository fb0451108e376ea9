import type { Kysely, Selectable } from 'keel/store';
import type { PlannerDatabase, UsersTable } from '../db/schema.js';

/** A stored user. */
export type UserRow = Selectable<UsersTable>;

/** Reads and writes users. */
export class UserRepository {
  constructor(private readonly db: () => Kysely<PlannerDatabase>) {}

  async findById(id: string): Promise<UserRow | undefined> {
    return this.db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db().selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async insert(user: UserRow): Promise<void> {
    await this.db().insertInto('users').values(user).execute();
  }

  /** The ids among `ids` that belong to no user. */
  async missing(ids: readonly string[], db: Kysely<PlannerDatabase> = this.db()): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = await db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }
}
