import type { AuthGuards, HttpRoutes } from 'keel/http';
import { z } from 'zod';
import { checkAcceptedSchema, itemSchema, newItemBody, pageQuery, releasePageSchema } from './schemas.js';
import type { WatchlistService } from './service.js';

const itemParams = z.object({ id: z.string().max(100) });
const security = [{ bearerAuth: [] }];

/** The watchlist API: items, their releases, and a check on demand. */
export function watchlistRoutes(watchlist: WatchlistService, guards: AuthGuards): HttpRoutes {
  return async (app) => {
    app.addHook('onRequest', guards.authenticated);

    app.post(
      '/watchlist',
      {
        schema: {
          tags: ['watchlist'],
          summary: 'Watch a search',
          security,
          body: newItemBody,
          response: { 201: itemSchema },
        },
      },
      async (request, reply) => reply.status(201).send(await watchlist.add(request.principal.id, request.body)),
    );

    app.get(
      '/watchlist',
      {
        schema: {
          tags: ['watchlist'],
          summary: "The caller's watchlist, oldest first",
          security,
          response: { 200: z.object({ items: z.array(itemSchema) }) },
        },
      },
      async (request) => ({ items: await watchlist.list(request.principal.id) }),
    );

    app.delete(
      '/watchlist/:id',
      {
        schema: {
          tags: ['watchlist'],
          summary: 'Stop watching (its releases are deleted with it)',
          security,
          params: itemParams,
          response: { 204: z.null().describe('Deleted') },
        },
      },
      async (request, reply) => {
        await watchlist.remove(request.principal.id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/watchlist/:id/results',
      {
        schema: {
          tags: ['watchlist'],
          summary: 'Releases found for an item, newest published first',
          security,
          params: itemParams,
          querystring: pageQuery,
          response: { 200: releasePageSchema },
        },
      },
      async (request) => watchlist.results(request.principal.id, request.params.id, request.query),
    );

    app.post(
      '/watchlist/:id/check',
      {
        schema: {
          tags: ['watchlist'],
          summary: 'Check an item now (queued; one check at a time per item)',
          security,
          params: itemParams,
          response: { 202: checkAcceptedSchema },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await watchlist.checkNow(request.principal.id, request.params.id)),
    );
  };
}
