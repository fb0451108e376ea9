import { z } from 'zod';

/** A wall post named as VK does: `<ownerId>_<postId>` (a negative owner is a community). */
export const postRefSchema = z
  .string()
  .max(40)
  .regex(/^-?[1-9]\d{0,18}_[1-9]\d{0,18}$/, 'must be <ownerId>_<postId>, e.g. -1_123')
  .transform((value) => {
    const [ownerId, postId] = value.split('_').map(Number) as [number, number];
    return { ownerId, postId };
  })
  .refine(({ ownerId, postId }) => Number.isSafeInteger(ownerId) && Number.isSafeInteger(postId), 'is out of range');

/** A VK owner id (user > 0, community < 0) in a request body. */
export const ownerIdSchema = z
  .number()
  .int()
  .refine((value) => value !== 0 && Number.isSafeInteger(value), 'must be a non-zero integer');

/** A VK post id in a request body. */
export const postIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
