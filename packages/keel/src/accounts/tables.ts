import type { Kysely, Migration } from '../store/index.js';

/** A registered user. Times are ISO 8601 UTC strings (sortable as text). */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

/** The tables the accounts feature owns. */
export interface AccountTables {
  users: UsersTable;
}

/** Migrations of the accounts tables (names sort before the features whose tables reference users). */
export const accountMigrations: Record<string, Migration> = {
  '2026_11_23_001_accounts_users': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('email', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('users').execute();
    },
  },
};
