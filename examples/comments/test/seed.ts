import type { CommentsService } from '../src/index.js';
import { generatedComment } from '../src/vk/stand-in.js';

/** Stores `count` generated comments of a post straight through the repository, 1,000 a statement. */
export async function seedComments(
  service: CommentsService,
  ownerId: number,
  postId: number,
  count: number,
): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const items = Array.from({ length: Math.min(1000, count - start) }, (_, i) =>
      generatedComment(ownerId, postId, start + i),
    );
    await service.comments.upsertPage(ownerId, postId, items, count);
  }
}
