import { ForbiddenError, NotFoundError } from 'keel/errors';
import type { JobQueue, JobType } from 'keel/jobs';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { idOrNotFound, newId } from '../common/ids.js';
import type { WatcherDatabase } from '../database.js';
import type { ItemRow, WatchlistRepository } from './repository.js';
import type { ItemView, NewItem, ReleasePage } from './schemas.js';
import { itemView, releaseView } from './views.js';

/** The payload of a check job. */
export interface CheckPayload {
  itemId: string;
}

/** The dedupe key of an item's check: one waiting or running check per item. */
export function checkKey(itemId: string): string {
  return `check:${itemId}`;
}

/** The watchlist: each user's items, their releases, and checks on demand. */
export class WatchlistService {
  constructor(
    private readonly items: WatchlistRepository,
    private readonly jobs: JobQueue<WatcherDatabase>,
    private readonly checkJob: JobType<CheckPayload, CheckPayload, unknown>,
  ) {}

  async add(userId: string, input: NewItem): Promise<ItemView> {
    const row: ItemRow = {
      id: newId(),
      user_id: userId,
      query: input.query,
      categories: JSON.stringify([...new Set(input.categories)].sort((a, b) => a - b)),
      min_seeders: input.minSeeders ?? null,
      max_size_bytes: input.maxSizeBytes ?? null,
      created_at: new Date().toISOString(),
      last_checked_at: null,
    };
    await this.items.insertItem(row);
    return itemView(row);
  }

  async list(userId: string): Promise<ItemView[]> {
    return (await this.items.itemsOf(userId)).map(itemView);
  }

  async remove(userId: string, id: string): Promise<void> {
    const item = await this.owned(userId, id);
    await this.items.deleteItem(item.id);
  }

  async results(
    userId: string,
    id: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<ReleasePage> {
    const item = await this.owned(userId, id);
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const rows = await this.items.releases(item.id, page.limit + 1, after);
    const more = rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const last = shown.at(-1);
    return {
      items: shown.map(releaseView),
      nextCursor: more && last ? encodeCursor({ key: last.publish_date, id: last.id }) : null,
    };
  }

  /** Queues a check of the item now (one at a time per item); the job's id. */
  async checkNow(userId: string, id: string): Promise<{ itemId: string; jobId: string; status: 'queued' }> {
    const item = await this.owned(userId, id);
    const job = await this.jobs.enqueue(this.checkJob, { itemId: item.id }, { dedupeKey: checkKey(item.id) });
    return { itemId: item.id, jobId: job.id, status: 'queued' };
  }

  private async owned(userId: string, id: string): Promise<ItemRow> {
    const item = await this.items.item(idOrNotFound(id, 'Watchlist item'));
    if (!item) throw new NotFoundError(`Watchlist item ${JSON.stringify(id)} was not found`);
    if (item.user_id !== userId) throw new ForbiddenError('This watchlist item belongs to another user');
    return item;
  }
}
