import { z } from 'zod';
import { defineAdminRoutes } from '../http/index.js';
import type { Backups } from './backups.js';
import { backupEntrySchema } from './manifest.js';

/**
 * Admin routes of the backups, at `<prefix>/backups` (prefix default `/admin`), behind `guard`:
 * `GET /admin/backups` lists this database's backups, newest first; `POST /admin/backups` takes one
 * now (201; 409 while another runs).
 *
 * @example
 * ```ts
 * http.routes(backupAdminRoutes(backups, { guard: http.guards.admin }));
 * ```
 */
export const backupAdminRoutes = defineAdminRoutes<Pick<Backups, 'list' | 'create'>>({
  capability: 'backups',
  routes: (app, backups) => {
    // '' is the capability's own path: `/admin/backups`, without a trailing slash.
    app.get(
      '',
      {
        schema: {
          summary: 'List backups',
          response: { 200: z.object({ backups: z.array(backupEntrySchema) }) },
        },
      },
      async () => ({ backups: await backups.list() }),
    );
    app.post(
      '',
      {
        schema: {
          summary: 'Take a backup now',
          // A backup already running answers 409.
          problems: [409],
          response: { 201: backupEntrySchema },
        },
      },
      async (_request, reply) => reply.status(201).send(await backups.create()),
    );
  },
});
