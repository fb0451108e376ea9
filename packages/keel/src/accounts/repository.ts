import type { Kysely, Selectable, Store } from '../store/index.js';
import type { AccountTables, UsersTable } from './tables.js';

/** A stored user. */
export type UserRow = Selectable<UsersTable>;

/** Reads and writes users, inside the caller's transaction when there is one. */
export class UserRepository {
  constructor(private readonly store: Store<AccountTables>) {}

  private get db(): Kysely<AccountTables> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  async findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async insert(user: UserRow): Promise<void> {
    await this.db.insertInto('users').values(user).execute();
  }

  /** The names of the given users, by id. */
  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'name'])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** The ids among `ids` that belong to no user. */
  async missing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = await this.db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', [...ids])
      .execute();
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }
}
