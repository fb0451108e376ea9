import type { ItemRow, ReleaseRow } from './repository.js';
import type { ItemView, ReleaseView } from './schemas.js';

/** The API's view of a stored item (PostgreSQL reads a bigint back as a string). */
export function itemView(row: ItemRow): ItemView {
  return {
    id: row.id,
    query: row.query,
    categories: JSON.parse(row.categories) as number[],
    minSeeders: row.min_seeders,
    maxSizeBytes: row.max_size_bytes === null ? null : Number(row.max_size_bytes),
    createdAt: row.created_at,
    lastCheckedAt: row.last_checked_at,
  };
}

/** The API's view of a stored release. */
export function releaseView(row: ReleaseRow): ReleaseView {
  return {
    id: row.id,
    guid: row.guid,
    title: row.title,
    size: Number(row.size),
    publishDate: row.publish_date,
    seeders: row.seeders,
    indexer: row.indexer,
    infoUrl: row.info_url,
    downloadUrl: row.download_url,
    posterUrl: row.poster_url,
    foundAt: row.found_at,
  };
}
