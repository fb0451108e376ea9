import { z } from 'zod';

// Prowlarr sends null for fields an indexer did not give; treat null like absent.
const maybe = <S extends z.ZodType>(schema: S) =>
  z
    .union([schema, z.null()])
    .optional()
    .transform((value) => value ?? undefined);

/**
 * One release of Prowlarr's `GET /api/v1/search` (its `ReleaseResource`): the fields the watcher
 * reads; every other field (categories, protocol, leechers, indexerId...) is tolerated and ignored.
 */
export const releaseSchema = z.object({
  guid: z.string().min(1),
  title: z.string(),
  size: z.number().nonnegative(),
  publishDate: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be a date'),
  seeders: maybe(z.number().int()),
  indexer: maybe(z.string()),
  infoUrl: maybe(z.string()),
  downloadUrl: maybe(z.string()),
  posterUrl: maybe(z.string()),
});

/** The answer of a search: a JSON array of releases. */
export const searchAnswerSchema = z.array(releaseSchema);

/** A release as the indexer described it. */
export type IndexerRelease = z.output<typeof releaseSchema>;
