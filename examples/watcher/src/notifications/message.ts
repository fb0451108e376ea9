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

/** The HTML body of a release message, its title cut so the whole fits in `limit` characters. */
function body(release: ReleaseFound, limit: number): string {
  const facts = [humanSize(release.size)];
  if (release.seeders !== null) facts.push(`${release.seeders} seeders`);
  if (release.indexer !== null) facts.push(escapeHtml(release.indexer));
  const link = release.infoUrl ?? release.downloadUrl;
  const compose = (title: string): string => {
    const escaped = escapeHtml(title);
    const titleLine = link ? `<a href="${escapeHtml(link)}"><b>${escaped}</b></a>` : `<b>${escaped}</b>`;
    return `🎬 New for “${escapeHtml(release.query)}”\n${titleLine}\n${facts.join(' · ')}`;
  };
  let text = compose(release.title);
  // Escaping lengthens a title unevenly: cut by the excess until the whole fits.
  for (let room = release.title.length; text.length > limit && room > 1; ) {
    room = Math.max(1, room - (text.length - limit));
    text = compose(`${release.title.slice(0, room - 1)}…`);
  }
  return text;
}

/** The Telegram message of a release: `sendPhoto` with a caption when it has a poster, `sendMessage` otherwise. */
export function releaseMessage(release: ReleaseFound): TelegramMessage {
  if (release.posterUrl !== null) {
    return { photo: { url: release.posterUrl }, caption: body(release, CAPTION_LIMIT), parseMode: 'HTML' };
  }
  return { text: body(release, TEXT_LIMIT), parseMode: 'HTML', disablePreview: true };
}
