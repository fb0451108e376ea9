import { z } from 'zod';

/** One comment as `wall.getComments` returns it (fields the service keeps). */
export const vkCommentSchema = z.object({
  id: z.number().int(),
  from_id: z.number().int().default(0),
  date: z.number().int(),
  text: z.string().default(''),
  likes: z.object({ count: z.number().int() }).optional(),
});

/** A VK comment. */
export type VkComment = z.output<typeof vkCommentSchema>;

/** Every answer of a VK method: a response, or an error, both with HTTP 200. */
export const vkAnswerSchema = z.union([
  z.object({
    response: z.object({ count: z.number().int().min(0), items: z.array(vkCommentSchema) }),
  }),
  z.object({ error: z.object({ error_code: z.number().int(), error_msg: z.string().default('') }) }),
]);
