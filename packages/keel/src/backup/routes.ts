import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';
import type { HttpRoutes } from '../http/index.js';
import { backupEntrySchema } from './manifest.js';

/** A guard run before each backup route; it throws (e.g. `UnauthorizedError`) or replies to refuse. */
export type BackupRouteGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Options of {@link backupAdminRoutes}. */
export interface BackupAdminRoutesOptions {
  /** Runs before every route (Fastify `onRequest`); required, since backups must never be public. */
  onRequest: BackupRouteGuard;
  /** Where the routes live. Default: `/admin/backups`. */
  prefix?: string;
}

/** The operations the routes call. */
export interface BackupAdminTarget {
  list(): Promise<z.output<typeof backupEntrySchema>[]>;
  create(): Promise<z.output<typeof backupEntrySchema>>;
}

/**
 * Admin routes: `GET /admin/backups` lists this database's backups, newest first; `POST /admin/backups`
 * takes one now (201; 409 while another runs).
 *
 * @example
 * ```ts
 * http.routes(backupAdminRoutes(backups, { onRequest: requireAdmin }));
 * ```
 */
export function backupAdminRoutes(backups: BackupAdminTarget, options: BackupAdminRoutesOptions): HttpRoutes {
  if (typeof options?.onRequest !== 'function') {
    throw new ValidationError([{ location: 'options', path: 'onRequest', message: 'a guard function is required' }]);
  }
  const prefix = (options.prefix ?? '/admin/backups').replace(/\/+$/, '');
  if (!prefix.startsWith('/')) {
    throw new ValidationError([{ location: 'options', path: 'prefix', message: 'must start with /' }]);
  }
  return async (app) => {
    app.addHook('onRequest', options.onRequest);
    app.get(
      prefix,
      {
        schema: {
          tags: ['backups'],
          summary: 'List backups',
          problems: [401, 403],
          response: { 200: z.object({ backups: z.array(backupEntrySchema) }) },
        },
      },
      async () => ({ backups: await backups.list() }),
    );
    app.post(
      prefix,
      {
        schema: {
          tags: ['backups'],
          summary: 'Take a backup now',
          // The guard answers 401 or 403; a backup already running answers 409.
          problems: [401, 403, 409],
          response: { 201: backupEntrySchema },
        },
      },
      async (_request, reply) => reply.status(201).send(await backups.create()),
    );
  };
}
