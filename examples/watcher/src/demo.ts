import { ConfigError } from 'keel/errors';
import { loadWatcherConfig } from './config.js';
import { startBotApiStandIn } from './stand-ins/bot-api.js';
import { type StandInRelease, startIndexerStandIn } from './stand-ins/indexer.js';
import { createWatcher } from './watcher.js';

// The demo: local stand-ins for a Prowlarr indexer and the Telegram Bot API, both logging what they
// receive, and the watcher pointed at them. The indexer "publishes" a new episode of any query
// every 20 s (every other one with a poster), so a watched query gets a message within a minute.
const EPISODE_EVERY_MS = 20_000;
const startedAt = Date.now() - EPISODE_EVERY_MS; // one episode is out already
const print = (line: string) => process.stdout.write(`  [stand-in] ${line}\n`);

function episodes(query: string): StandInRelease[] {
  const count = Math.floor((Date.now() - startedAt) / EPISODE_EVERY_MS);
  const name = query.replace(/\b\w/g, (c) => c.toUpperCase());
  return Array.from({ length: count }, (_, index) => {
    const episode = String(index + 1).padStart(2, '0');
    return {
      guid: `demo:${query.toLowerCase()}:${episode}`,
      title: `${name} S01E${episode} 1080p WEB-DL`,
      size: 1_400_000_000 + index * 10_000_000,
      publishDate: new Date(startedAt + index * EPISODE_EVERY_MS).toISOString(),
      seeders: 20 + index,
      indexer: 'Demo Tracker',
      ...(index % 2 === 0 ? { posterUrl: `https://posters.example/${encodeURIComponent(query)}-${episode}.jpg` } : {}),
      categories: [5000],
    };
  });
}

const indexer = await startIndexerStandIn({ apiKey: 'demo-api-key', releasesFor: episodes, log: print });
const bot = await startBotApiStandIn({ token: '123456:demo-bot-token', log: print });
process.env.INDEXER_URL = indexer.url;
process.env.INDEXER_API_KEY = 'demo-api-key';
process.env.TELEGRAM_BOT_TOKEN = '123456:demo-bot-token';
process.env.TELEGRAM_API_URL = bot.url;
process.env.WATCH_INTERVAL_MS ??= '30000';
try {
  const watcher = createWatcher(loadWatcherConfig());
  watcher.logger.info(
    { indexerUrl: indexer.url, telegramApiUrl: bot.url, watchIntervalMs: watcher.config.WATCH_INTERVAL_MS },
    'demo: stand-ins for the indexer and the Bot API are running; register, link a chat (PUT /api/v1/users/me/telegram {"chatId": 42}) and watch a query (POST /api/v1/watchlist {"query": "severance"})',
  );
  await watcher.service.run();
} catch (error) {
  await Promise.all([indexer.close(), bot.close()]);
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
