import { z } from 'zod';

/** What a "release found" message says: the item's query and the release as the indexer gave it. */
export const releaseFoundPayload = z.object({
  itemId: z.string(),
  query: z.string(),
  title: z.string(),
  size: z.number(),
  seeders: z.number().nullable(),
  indexer: z.string().nullable(),
  infoUrl: z.string().nullable(),
  downloadUrl: z.string().nullable(),
  posterUrl: z.string().nullable(),
  publishDate: z.string(),
});

/** The payload of a `release.found` notification. */
export type ReleaseFound = z.output<typeof releaseFoundPayload>;

/** Every notification the watcher sends, and the channels that carry it. */
export const watcherNotificationTypes = {
  'release.found': { payload: releaseFoundPayload, channels: ['telegram'] },
};
