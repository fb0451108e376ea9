import { z } from 'zod';

/** The body of `POST /watchlist`. */
export const newItemBody = z.object({
  query: z.string().trim().min(1, 'must not be blank').max(200),
  categories: z.array(z.number().int().min(0).max(999_999)).max(20).default([]),
  minSeeders: z.number().int().min(0).max(1_000_000).optional(),
  maxSizeBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** A watchlist item as the API shows it. */
export const itemSchema = z.object({
  id: z.string(),
  query: z.string(),
  categories: z.array(z.number()),
  minSeeders: z.number().nullable(),
  maxSizeBytes: z.number().nullable(),
  createdAt: z.string(),
  lastCheckedAt: z.string().nullable(),
});

/** A stored release as the API shows it. */
export const releaseSchema = z.object({
  id: z.string(),
  guid: z.string(),
  title: z.string(),
  size: z.number(),
  publishDate: z.string(),
  seeders: z.number().nullable(),
  indexer: z.string().nullable(),
  infoUrl: z.string().nullable(),
  downloadUrl: z.string().nullable(),
  posterUrl: z.string().nullable(),
  foundAt: z.string(),
});

/** A page of releases. */
export const releasePageSchema = z.object({ items: z.array(releaseSchema), nextCursor: z.string().nullable() });

/** The answer of `POST /watchlist/{id}/check`. */
export const checkAcceptedSchema = z.object({ itemId: z.string(), jobId: z.string(), status: z.literal('queued') });

/** The query of `GET /watchlist/{id}/results`. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
});

export type NewItem = z.output<typeof newItemBody>;
export type ItemView = z.output<typeof itemSchema>;
export type ReleaseView = z.output<typeof releaseSchema>;
export type ReleasePage = z.output<typeof releasePageSchema>;
