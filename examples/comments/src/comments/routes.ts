import { NotFoundError } from 'keel/errors';
import type { AuthGuards, HttpRoutes } from 'keel/http';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import type { CommentRepository } from './repository.js';
import { commentPageSchema, commentsQuerySchema, postParamsSchema, postStatsSchema } from './schemas.js';

const security = [{ bearerAuth: [] }];

/** The comments API: a post's stored comments, keyset-paginated, and their aggregates. */
export function commentRoutes(comments: CommentRepository, guards: AuthGuards): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', guards.authenticated);

    app.get(
      '/posts/:post/comments',
      {
        schema: {
          tags: ['comments'],
          summary: "A post's stored comments by id; keyset pagination",
          security,
          params: postParamsSchema,
          querystring: commentsQuerySchema,
          response: { 200: commentPageSchema },
        },
      },
      async (request) => {
        const { ownerId, postId } = request.params.post;
        const { limit, cursor } = request.query;
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        // One more than asked tells whether a next page exists without a count.
        const rows = await comments.page(ownerId, postId, limit + 1, after);
        const items = rows.slice(0, limit);
        const last = items.at(-1);
        return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
      },
    );

    app.get(
      '/posts/:post/stats',
      {
        schema: {
          tags: ['comments'],
          summary: "Aggregates of a post's stored comments",
          security,
          params: postParamsSchema,
          response: { 200: postStatsSchema },
        },
      },
      async (request) => {
        const { ownerId, postId } = request.params.post;
        const stats = await comments.stats(ownerId, postId);
        if (!stats) throw new NotFoundError(`No comments of post ${ownerId}_${postId} are stored; parse it first`);
        return stats;
      },
    );
  };
}
