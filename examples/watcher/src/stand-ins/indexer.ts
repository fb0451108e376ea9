import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, sendJson } from './listen.js';

/** A release the stand-in serves, in the fields a test chooses; the rest of Prowlarr's shape is filled in. */
export interface StandInRelease {
  guid: string;
  title: string;
  size: number;
  publishDate: string;
  seeders?: number;
  indexer?: string;
  posterUrl?: string;
  categories?: number[];
}

/** How the stand-in answers searches now. */
export type IndexerMode = { kind: 'ok' } | { kind: 'status'; status: number } | { kind: 'hang' };

/** A search the stand-in received. */
export interface IndexerSearch {
  at: number;
  query: string;
  categories: number[];
  type: string | null;
  apiKey: string | null;
  /** What it answered: `ok`, `http:<status>`, or `hang`. */
  outcome: string;
}

/** Options of {@link startIndexerStandIn}. */
export interface IndexerStandInOptions {
  /** The API key expected in `X-Api-Key` (or `apikey=`); another answers 401. Default: any. */
  apiKey?: string;
  /** Releases by query (exact, case-insensitive). Default: none. */
  releases?: Record<string, StandInRelease[]>;
  /** Releases for any query, instead of `releases` (the demo's endless catalog). Default: none. */
  releasesFor?: (query: string) => StandInRelease[];
  /** Time every answer takes (makes concurrency visible). Default: 0. */
  delayMs?: number;
  /** Port. Default: a free one. */
  port?: number;
  /** Called with a line per search (the demo prints them). Default: none. */
  log?: (line: string) => void;
}

/** A running Prowlarr stand-in. */
export interface IndexerStandIn {
  /** Its base URL, for `INDEXER_URL`. */
  url: string;
  /** Every search, in arrival order. */
  searches: IndexerSearch[];
  /** Searches being answered now. */
  readonly inFlight: number;
  /** The most searches it was answering at once. */
  readonly maxInFlight: number;
  /** Adds releases to a query's results (they show from the next search on). */
  add(query: string, releases: StandInRelease[]): void;
  /** Switches how searches are answered (a 500, a hang, back to normal). */
  setMode(mode: IndexerMode): void;
  setDelayMs(delayMs: number): void;
  close(): Promise<void>;
}

const CATEGORY_NAMES: Record<number, string> = { 2000: 'Movies', 5000: 'TV', 3000: 'Audio', 7000: 'Books' };

/** A release in Prowlarr's `ReleaseResource` wire shape, with the extra fields a real answer has. */
function wire(release: StandInRelease, index: number) {
  const ageMs = Math.max(0, Date.now() - Date.parse(release.publishDate));
  const categories = release.categories ?? [2000];
  return {
    id: index + 1,
    guid: release.guid,
    age: Math.floor(ageMs / 86_400_000),
    ageHours: ageMs / 3_600_000,
    ageMinutes: ageMs / 60_000,
    size: release.size,
    files: 1,
    grabs: 0,
    indexerId: 1,
    indexer: release.indexer ?? 'StandIn Tracker',
    title: release.title,
    sortTitle: release.title.toLowerCase(),
    imdbId: 0,
    tmdbId: 0,
    tvdbId: 0,
    tvMazeId: 0,
    publishDate: release.publishDate,
    downloadUrl: `http://127.0.0.1:9696/1/download?link=${encodeURIComponent(release.guid)}`,
    infoUrl: `https://tracker.example/details/${encodeURIComponent(release.guid)}`,
    ...(release.posterUrl ? { posterUrl: release.posterUrl } : {}),
    indexerFlags: [],
    categories: categories.map((id) => ({ id, name: CATEGORY_NAMES[id] ?? 'Other', subCategories: [] })),
    seeders: release.seeders ?? 10,
    leechers: 1,
    protocol: 'torrent',
    fileName: `${release.title}.torrent`,
  };
}

/**
 * A loopback stand-in for Prowlarr's search API: `GET /api/v1/search?query=…&categories=…&type=search`
 * with `X-Api-Key` (401 without the right one), `GET /ping`; it counts searches in flight on the
 * server side and can answer 500s or hang.
 */
export async function startIndexerStandIn(options: IndexerStandInOptions = {}): Promise<IndexerStandIn> {
  const catalog = new Map<string, StandInRelease[]>();
  for (const [query, releases] of Object.entries(options.releases ?? {}))
    catalog.set(query.toLowerCase(), [...releases]);
  const searches: IndexerSearch[] = [];
  let mode: IndexerMode = { kind: 'ok' };
  let delayMs = options.delayMs ?? 0;
  let inFlight = 0;
  let maxInFlight = 0;

  async function search(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const apiKey = (request.headers['x-api-key'] as string | undefined) ?? url.searchParams.get('apikey');
    const query = url.searchParams.get('query') ?? '';
    const categories = url.searchParams.getAll('categories').map(Number);
    const record: IndexerSearch = {
      at: Date.now(),
      query,
      categories,
      type: url.searchParams.get('type'),
      apiKey,
      outcome: 'ok',
    };
    searches.push(record);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (options.apiKey !== undefined && apiKey !== options.apiKey) {
        record.outcome = 'http:401';
        response.writeHead(401).end();
        return;
      }
      const current = mode;
      if (current.kind === 'hang') {
        record.outcome = 'hang';
        // Answers nothing until the client gives up (or the server closes).
        await new Promise<void>((resolve) => response.on('close', resolve));
        return;
      }
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (current.kind === 'status') {
        record.outcome = `http:${current.status}`;
        sendJson(response, current.status, { message: 'Indexer stand-in failure', description: 'injected' });
        return;
      }
      const wanted = new Set(categories);
      const served = options.releasesFor ? options.releasesFor(query) : (catalog.get(query.toLowerCase()) ?? []);
      const releases = served.filter(
        (release) => wanted.size === 0 || (release.categories ?? [2000]).some((id) => wanted.has(id)),
      );
      options.log?.(`indexer: search "${query}" -> ${releases.length} releases`);
      sendJson(response, 200, releases.map(wire));
    } finally {
      inFlight -= 1;
    }
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (request.method === 'GET' && url.pathname === '/ping') return sendJson(response, 200, { status: 'OK' });
    if (request.method === 'GET' && url.pathname === '/api/v1/search') {
      search(request, response, url).catch(() => response.destroy());
      return;
    }
    sendJson(response, 404, { message: 'NotFound' });
  });
  const url = await listen(server, options.port);
  return {
    url,
    searches,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    add(query, releases) {
      const key = query.toLowerCase();
      catalog.set(key, [...(catalog.get(key) ?? []), ...releases]);
    },
    setMode(next) {
      mode = next;
    },
    setDelayMs(next) {
      delayMs = next;
    },
    close: () => closeServer(server),
  };
}
