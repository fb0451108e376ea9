import { type Kysely, type Store, sql } from 'keel/store';
import type { CommentsDatabase } from '../database.js';
import type { VkComment } from '../vk/wire.js';

/** A stored comment, as the API shows it. */
export interface StoredComment {
  id: number;
  fromId: number;
  /** ISO 8601 UTC. */
  date: string;
  text: string;
  likes: number;
  /** Sentiment at the post's last analysis, or null. */
  sentiment: { score: number; label: 'positive' | 'negative' | 'neutral' } | null;
}

/** Aggregates of one post's stored comments. */
export interface PostStats {
  ownerId: number;
  postId: number;
  comments: number;
  commenters: number;
  likes: number;
  firstAt: string | null;
  lastAt: string | null;
  /** VK's count at the last page fetched, or null when never parsed. */
  reportedCount: number | null;
  parsedAt: string | null;
  sentiment: { positive: number; negative: number; neutral: number; averageScore: number | null } | null;
}

/** A comment row as read for analysis and exports (dates in unix seconds). */
export interface CommentRow {
  id: number;
  fromId: number;
  date: number;
  text: string;
  likes: number;
}

/** Reads and writes comments, posts and sentiments. */
export class CommentRepository {
  constructor(private readonly store: Store<CommentsDatabase>) {}

  private get db(): Kysely<CommentsDatabase> {
    return this.store.currentTransaction() ?? this.store.db;
  }

  /**
   * Stores one page: a multi-row insert where a comment seen again (same owner, post and id) is
   * updated in place; the post's reported count too. One transaction, so a page is all or nothing.
   */
  async upsertPage(ownerId: number, postId: number, items: readonly VkComment[], reportedCount: number): Promise<void> {
    const now = new Date().toISOString();
    // A page may list a comment twice when new ones shift offsets; the statement must not.
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    await this.store.transaction(async (trx) => {
      if (unique.length > 0) {
        await trx
          .insertInto('comments')
          .values(
            unique.map((item) => ({
              owner_id: ownerId,
              post_id: postId,
              id: item.id,
              from_id: item.from_id,
              date: item.date,
              text: item.text,
              likes: item.likes?.count ?? 0,
              fetched_at: now,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['owner_id', 'post_id', 'id']).doUpdateSet((eb) => ({
              from_id: eb.ref('excluded.from_id'),
              date: eb.ref('excluded.date'),
              text: eb.ref('excluded.text'),
              likes: eb.ref('excluded.likes'),
              fetched_at: eb.ref('excluded.fetched_at'),
            })),
          )
          .execute();
      }
      await trx
        .insertInto('posts')
        .values({ owner_id: ownerId, post_id: postId, reported_count: reportedCount, parsed_at: null })
        .onConflict((oc) =>
          oc
            .columns(['owner_id', 'post_id'])
            .doUpdateSet((eb) => ({ reported_count: eb.ref('excluded.reported_count') })),
        )
        .execute();
    });
  }

  /** Marks a post's parse complete. */
  async markParsed(ownerId: number, postId: number): Promise<void> {
    await this.db
      .updateTable('posts')
      .set({ parsed_at: new Date().toISOString() })
      .where('owner_id', '=', ownerId)
      .where('post_id', '=', postId)
      .execute();
  }

  /** How many comments of a post are stored. */
  async count(ownerId: number, postId: number): Promise<number> {
    const row = await this.db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', ownerId)
      .where('post_id', '=', postId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** One page of a post's comments by id, after `afterId`, with their sentiment. */
  async page(ownerId: number, postId: number, limit: number, afterId: number | undefined): Promise<StoredComment[]> {
    let query = this.db
      .selectFrom('comments as c')
      .leftJoin('comment_sentiments as s', (join) =>
        join.onRef('s.owner_id', '=', 'c.owner_id').onRef('s.post_id', '=', 'c.post_id').onRef('s.id', '=', 'c.id'),
      )
      .select(['c.id', 'c.from_id', 'c.date', 'c.text', 'c.likes', 's.score', 's.label'])
      .where('c.owner_id', '=', ownerId)
      .where('c.post_id', '=', postId);
    if (afterId !== undefined) query = query.where('c.id', '>', afterId);
    const rows = await query.orderBy('c.id').limit(limit).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      fromId: Number(row.from_id),
      date: new Date(Number(row.date) * 1000).toISOString(),
      text: row.text,
      likes: Number(row.likes),
      sentiment: row.score === null || row.label === null ? null : { score: Number(row.score), label: row.label },
    }));
  }

  /** A post's comments in id order, `batchSize` rows per query (keyset), for bounded-memory passes. */
  async *scan(ownerId: number, postId: number, batchSize = 1000): AsyncGenerator<CommentRow[]> {
    let after: number | undefined;
    for (;;) {
      let query = this.db
        .selectFrom('comments')
        .select(['id', 'from_id', 'date', 'text', 'likes'])
        .where('owner_id', '=', ownerId)
        .where('post_id', '=', postId);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(batchSize).execute();
      if (rows.length === 0) return;
      const batch = rows.map((row) => ({
        id: Number(row.id),
        fromId: Number(row.from_id),
        date: Number(row.date),
        text: row.text,
        likes: Number(row.likes),
      }));
      after = (batch.at(-1) as CommentRow).id;
      yield batch;
      if (rows.length < batchSize) return;
    }
  }

  /** Replaces a post's sentiments with those given (written in one transaction, in chunks). */
  async replaceSentiments(
    ownerId: number,
    postId: number,
    rows: AsyncIterable<{ id: number; score: number; label: 'positive' | 'negative' | 'neutral' }[]>,
  ): Promise<void> {
    await this.store.transaction(async (trx) => {
      await trx
        .deleteFrom('comment_sentiments')
        .where('owner_id', '=', ownerId)
        .where('post_id', '=', postId)
        .execute();
      for await (const batch of rows) {
        if (batch.length === 0) continue;
        await trx
          .insertInto('comment_sentiments')
          .values(batch.map((row) => ({ owner_id: ownerId, post_id: postId, ...row })))
          .execute();
      }
    });
  }

  /** Aggregates of a post's comments; `undefined` when nothing of it is stored. */
  async stats(ownerId: number, postId: number): Promise<PostStats | undefined> {
    const post = await this.db
      .selectFrom('posts')
      .select(['reported_count', 'parsed_at'])
      .where('owner_id', '=', ownerId)
      .where('post_id', '=', postId)
      .executeTakeFirst();
    const totals = await this.db
      .selectFrom('comments')
      .select((eb) => [
        eb.fn.countAll().as('comments'),
        eb.fn.count(sql`distinct from_id`).as('commenters'),
        eb.fn.sum('likes').as('likes'),
        eb.fn.min('date').as('first'),
        eb.fn.max('date').as('last'),
      ])
      .where('owner_id', '=', ownerId)
      .where('post_id', '=', postId)
      .executeTakeFirstOrThrow();
    if (!post && Number(totals.comments) === 0) return undefined;
    const sentiment = await this.db
      .selectFrom('comment_sentiments')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('label', '=', 'positive').then(1).else(0).end()).as('positive'),
        eb.fn.sum(eb.case().when('label', '=', 'negative').then(1).else(0).end()).as('negative'),
        eb.fn.avg('score').as('average'),
      ])
      .where('owner_id', '=', ownerId)
      .where('post_id', '=', postId)
      .executeTakeFirstOrThrow();
    const analyzed = Number(sentiment.n);
    const iso = (value: unknown) =>
      value === null || value === undefined ? null : new Date(Number(value) * 1000).toISOString();
    return {
      ownerId,
      postId,
      comments: Number(totals.comments),
      commenters: Number(totals.commenters),
      likes: Number(totals.likes ?? 0),
      firstAt: iso(totals.first),
      lastAt: iso(totals.last),
      reportedCount: post ? Number(post.reported_count) : null,
      parsedAt: post?.parsed_at ?? null,
      sentiment:
        analyzed === 0
          ? null
          : {
              positive: Number(sentiment.positive),
              negative: Number(sentiment.negative),
              neutral: analyzed - Number(sentiment.positive) - Number(sentiment.negative),
              averageScore: Math.round(Number(sentiment.average) * 1000) / 1000,
            },
    };
  }
}
