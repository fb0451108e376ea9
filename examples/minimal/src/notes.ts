import { defineFeature, type FeatureContext } from 'keel';
import { defineJob } from 'keel/jobs';
import { defineSchedule } from 'keel/schedule';
import type { Generated, Kysely, Migration } from 'keel/store';
import { z } from 'zod';

/** The tables of this service. */
export interface Database {
  notes: { id: Generated<number>; text: string; words: number | null; created_at: string };
}

const migrations: Record<string, Migration> = {
  '001_notes': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
        .addColumn('text', 'text', (col) => col.notNull())
        .addColumn('words', 'integer')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
    },
  },
};

const note = z.object({ id: z.number(), text: z.string(), words: z.number().nullable(), createdAt: z.string() });

/** Notes: a route writes a note and, in the same transaction, the job that counts its words. */
export const notes = defineFeature({
  name: 'notes',
  setup: ({ store, jobs, cache, logger }: FeatureContext<Database>) => {
    const countWords = defineJob({
      name: 'count-words',
      payload: z.object({ id: z.number() }),
      handler: async ({ id }, ctx) => {
        const row = await store.db.selectFrom('notes').select('text').where('id', '=', id).executeTakeFirstOrThrow();
        const words = row.text.split(/\s+/).filter(Boolean).length;
        await store.db.updateTable('notes').set({ words }).where('id', '=', id).execute();
        await cache.delete('count', { namespace: 'notes' });
        ctx.logger.info({ noteId: id, words }, 'words counted');
        return { words };
      },
    });
    const report = defineSchedule({
      name: 'hourly-report',
      cron: '0 * * * *',
      handler: async () => {
        const { count } = await store.db
          .selectFrom('notes')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .executeTakeFirstOrThrow();
        logger.info({ notes: Number(count) }, 'hourly report');
      },
    });
    return {
      migrations,
      jobs: [countWords],
      schedules: [report],
      cacheNamespaces: { notes: {} },
      prefix: '/api',
      routes: async (http) => {
        http.post(
          '/notes',
          { schema: { body: z.object({ text: z.string().min(1).max(10_000) }), response: { 201: note } } },
          async (request, reply) => {
            const created = await store.transaction(async (trx) => {
              const row = await trx
                .insertInto('notes')
                .values({ text: request.body.text, words: null, created_at: new Date().toISOString() })
                .returningAll()
                .executeTakeFirstOrThrow();
              await jobs.enqueue(countWords, { id: row.id }); // joins the transaction
              return row;
            });
            const { id, text, words, created_at: createdAt } = created;
            return reply.status(201).send({ id, text, words, createdAt });
          },
        );
        http.get('/notes/count', { schema: { response: { 200: z.object({ count: z.number() }) } } }, async () => {
          const count = await cache.getOrSet(
            'count',
            async () => {
              const row = await store.db
                .selectFrom('notes')
                .select((eb) => eb.fn.countAll<number>().as('count'))
                .executeTakeFirstOrThrow();
              return Number(row.count);
            },
            { namespace: 'notes', ttlMs: 10_000 },
          );
          return { count };
        });
      },
    };
  },
});
