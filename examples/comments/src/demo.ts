import { ConfigError } from 'keel/errors';
import { loadCommentsConfig } from './config.js';
import { createCommentsService } from './service.js';
import { startVkStandIn } from './vk/stand-in.js';

// The demo: a local stand-in for the VK API serving post -1_1 with 10,000 generated comments (and a
// VK error 6 on one page in twenty, as the real API does under load), and the service pointed at it.
const standIn = await startVkStandIn({
  posts: { '-1_1': 10_000, '-1_2': 250 },
  refusedPosts: { '-1_3': 15, '-1_4': 30 },
  fault: ({ offset, attempt }) =>
    (offset / 100) % 20 === 7 && attempt === 1 ? { kind: 'vk-error', code: 6 } : undefined,
});
process.env.VK_API_URL = standIn.apiUrl;
process.env.VK_TOKEN ??= 'demo-token';
try {
  const service = createCommentsService(loadCommentsConfig());
  service.logger.info(
    { vkApiUrl: standIn.apiUrl, posts: ['-1_1 (10,000 comments)', '-1_2 (250)', '-1_3 (error 15)', '-1_4 (error 30)'] },
    'demo: a VK stand-in is serving; parse a post with POST /api/v1/tasks/parse {"ownerId": -1, "postId": 1}',
  );
  await service.service.run();
} catch (error) {
  await standIn.close();
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
