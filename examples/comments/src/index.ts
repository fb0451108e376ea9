export { type PostAnalysis, PostAnalyzer } from './analysis/analyze.js';
export { scoreSentiment } from './analysis/sentiment.js';
export { comments } from './comments/feature.js';
export type { CommentRow, PostStats, StoredComment } from './comments/repository.js';
export { CommentsService, type ParseResult } from './comments/service.js';
export { type CommentsConfig, commentsConfigSchema, loadCommentsConfig } from './config.js';
export type { CommentsDatabase } from './database.js';
export { type ExportFormat, exportComments } from './exports/export-comments.js';
export { type CommentsServiceApp, type CommentsServiceOptions, createCommentsService } from './service.js';
export { VkClient, type VkClientOptions } from './vk/client.js';
export { VK_API_ERROR, VkApiError } from './vk/errors.js';
export {
  type GeneratedComment,
  generatedComment,
  startVkStandIn,
  type VkFault,
  type VkStandIn,
  type VkStandInOptions,
} from './vk/stand-in.js';
