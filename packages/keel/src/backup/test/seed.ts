import { type Kysely, type Migration, sql } from 'kysely';
import { insertMany } from '../../store/index.js';

/** Tables the backup tests fill. */
export interface SeedDatabase {
  customer: { id: number; name: string; balance: number; active: number; note: string | null };
  purchase: { id: number; customer_id: number; item: string; quantity: number; bought_at: string };
}

/** A schema with a foreign key and a few column types, on both dialects. */
export const seedMigrations: Record<string, Migration> = {
  '001_seed': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('customer')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('balance', 'real', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('note', 'text')
        .execute();
      await db.schema
        .createTable('purchase')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('customer_id', 'integer', (c) => c.notNull().references('customer.id'))
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('bought_at', 'text', (c) => c.notNull().defaultTo(sql`'2025-01-01T00:00:00Z'`))
        .execute();
    },
  },
};

/** Inserts `customers` customers with three purchases each, starting at id `from`. */
export async function seedRows(db: Kysely<SeedDatabase>, customers: number, from = 1): Promise<void> {
  const ids = Array.from({ length: customers }, (_, i) => from + i);
  await insertMany(
    db,
    'customer',
    ids.map((id) => ({
      id,
      name: `customer ${id} — ünïcode`,
      balance: id * 1.25,
      active: id % 2,
      note: id % 3 === 0 ? null : `note ${id}`,
    })),
  );
  await insertMany(
    db,
    'purchase',
    ids.flatMap((id) =>
      [0, 1, 2].map((k) => ({
        id: id * 3 + k,
        customer_id: id,
        item: `item-${k}`,
        quantity: k + 1,
        bought_at: new Date(Date.UTC(2025, 0, 1 + k, 12)).toISOString(),
      })),
    ),
  );
}
