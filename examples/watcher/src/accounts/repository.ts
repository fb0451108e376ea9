import type { Kysely, Selectable, Store } from 'keel/store';
import type { WatcherDatabase } from '../database.js';
import type { UsersTable } from './tables.js';

/** A stored user. */
export type UserRow = Selectable<UsersTable>;

/** Reads and writes users, inside the caller's transaction when there is one. */
export class UserRepository {
  constructor(private readonly store: Store<WatcherDatabase>) {}

  private get db(): Kysely<WatcherDatabase> {
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
}
