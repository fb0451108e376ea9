import type { Kysely, Migration } from 'keel/store';

/** A stored VK comment, keyed by (owner, post, id); seen again, it is updated in place. */
export interface CommentsTable {
  owner_id: number;
  post_id: number;
  id: number;
  from_id: number;
  /** Unix seconds, as VK sends it. */
  date: number;
  text: string;
  likes: number;
  /** When this comment was last fetched (ISO 8601). */
  fetched_at: string;
}

/** The sentiment of a comment at its post's last analysis. */
export interface CommentSentimentsTable {
  owner_id: number;
  post_id: number;
  id: number;
  /** Sum of the lexicon scores of its words (AFINN scale, -5 to 5 per word). */
  score: number;
  label: 'positive' | 'negative' | 'neutral';
}

/** A parsed post: VK's count at the last parse. */
export interface PostsTable {
  owner_id: number;
  post_id: number;
  /** The comment count VK reported at the last page fetched. */
  reported_count: number;
  /** When a parse of this post last completed (ISO 8601), or null. */
  parsed_at: string | null;
}

/** The tables the comments feature owns. */
export interface CommentTables {
  comments: CommentsTable;
  posts: PostsTable;
  comment_sentiments: CommentSentimentsTable;
}

/** Migrations of the comments and posts tables. */
export const commentMigrations: Record<string, Migration> = {
  '2026_12_08_001_comments': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('comments')
        .addColumn('owner_id', 'bigint', (col) => col.notNull())
        .addColumn('post_id', 'bigint', (col) => col.notNull())
        .addColumn('id', 'bigint', (col) => col.notNull())
        .addColumn('from_id', 'bigint', (col) => col.notNull())
        .addColumn('date', 'bigint', (col) => col.notNull())
        .addColumn('text', 'text', (col) => col.notNull())
        .addColumn('likes', 'integer', (col) => col.notNull())
        .addColumn('fetched_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('comments_pk', ['owner_id', 'post_id', 'id'])
        .execute();
      await db.schema
        .createTable('posts')
        .addColumn('owner_id', 'bigint', (col) => col.notNull())
        .addColumn('post_id', 'bigint', (col) => col.notNull())
        .addColumn('reported_count', 'integer', (col) => col.notNull())
        .addColumn('parsed_at', 'text')
        .addPrimaryKeyConstraint('posts_pk', ['owner_id', 'post_id'])
        .execute();
      await db.schema
        .createTable('comment_sentiments')
        .addColumn('owner_id', 'bigint', (col) => col.notNull())
        .addColumn('post_id', 'bigint', (col) => col.notNull())
        .addColumn('id', 'bigint', (col) => col.notNull())
        .addColumn('score', 'real', (col) => col.notNull())
        .addColumn('label', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('comment_sentiments_pk', ['owner_id', 'post_id', 'id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('comment_sentiments').execute();
      await db.schema.dropTable('posts').execute();
      await db.schema.dropTable('comments').execute();
    },
  },
};
