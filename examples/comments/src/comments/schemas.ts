import { z } from 'zod';
import { postRefSchema } from '../common/post-ref.js';

/** Path parameters naming a post. */
export const postParamsSchema = z.object({ post: postRefSchema });

/** Query of the comments list. */
export const commentsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

const sentimentSchema = z.object({ score: z.number(), label: z.enum(['positive', 'negative', 'neutral']) });

/** A stored comment. */
export const commentSchema = z.object({
  id: z.number().int(),
  fromId: z.number().int(),
  date: z.string().describe('ISO 8601, UTC'),
  text: z.string(),
  likes: z.number().int(),
  sentiment: sentimentSchema.nullable().describe("At the post's last analysis; null before one"),
});

/** One page of comments. */
export const commentPageSchema = z.object({
  items: z.array(commentSchema),
  nextCursor: z.string().nullable(),
});

/** Aggregates of a post's stored comments. */
export const postStatsSchema = z.object({
  ownerId: z.number().int(),
  postId: z.number().int(),
  comments: z.number().int(),
  commenters: z.number().int(),
  likes: z.number().int(),
  firstAt: z.string().nullable(),
  lastAt: z.string().nullable(),
  reportedCount: z.number().int().nullable().describe("VK's count at the last page fetched"),
  parsedAt: z.string().nullable().describe('When a parse last completed'),
  sentiment: z
    .object({
      positive: z.number().int(),
      negative: z.number().int(),
      neutral: z.number().int(),
      averageScore: z.number().nullable(),
    })
    .nullable(),
});
