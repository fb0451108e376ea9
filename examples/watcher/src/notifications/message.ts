import type { TelegramMessage } from 'keel/notify';
import type { ReleaseFound } from './types.js';

// Telegram's limits: 1024 characters of caption, 4096 of text.
const CAPTION_LIMIT = 1024;
const TEXT_LIMIT = 4096;
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A size in bytes for people: `1.4 GB`. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** The HTML body of a release message, cut to `limit` characters at a line or the title. */
function body(release: ReleaseFound, limit: number): string {
  const facts = [humanSize(release.size)];
  if (release.seeders !== null) facts.push(`${release.seeders} seeders`);
  if (release.indexer !== null) facts.push(escapeHtml(release.indexer));
  const link = release.infoUrl ?? release.downloadUrl;
  const head = `🎬 New for “${escapeHtml(release.query)}”\n`;
  const tail = `\n${facts.join(' · ')}`;
  const room = Math.max(16, limit - head.length - tail.length - (link ? link.length + 20 : 0));
  const title = escapeHtml(release.title.length > room ? `${release.title.slice(0, room - 1)}…` : release.title);
  const titleLine = link ? `<a href="${escapeHtml(link)}"><b>${title}</b></a>` : `<b>${title}</b>`;
  return `${head}${titleLine}${tail}`;
}

/** The Telegram message of a release: `sendPhoto` with a caption when it has a poster, `sendMessage` otherwise. */
export function releaseMessage(release: ReleaseFound): TelegramMessage {
  if (release.posterUrl !== null) {
    return { photo: { url: release.posterUrl }, caption: body(release, CAPTION_LIMIT), parseMode: 'HTML' };
  }
  return { text: body(release, TEXT_LIMIT), parseMode: 'HTML', disablePreview: true };
}
