import { describe, expect, it } from 'vitest';
import { searchAnswerSchema } from '../src/indexer/wire.js';
import { humanSize, releaseMessage } from '../src/notifications/message.js';
import type { ReleaseFound } from '../src/notifications/types.js';

// A release as Prowlarr 1.x answers `GET /api/v1/search` (ReleaseResource), nulls and extra fields included.
const prowlarrRelease = {
  guid: 'https://tracker.example/torrent/123',
  age: 2,
  ageHours: 50.1,
  ageMinutes: 3006.2,
  size: 2147483648,
  files: 12,
  grabs: 31,
  indexerId: 4,
  indexer: 'Tracker',
  title: 'Show.S02E01.1080p.WEB.h264',
  sortTitle: 'show s02e01 1080p web h264',
  imdbId: 0,
  tmdbId: 0,
  tvdbId: 0,
  tvMazeId: 0,
  publishDate: '2026-12-06T01:02:03Z',
  commentUrl: null,
  downloadUrl: 'http://prowlarr:9696/4/download?link=abc',
  infoUrl: 'https://tracker.example/torrent/123',
  posterUrl: null,
  indexerFlags: ['freeleech'],
  categories: [{ id: 5040, name: 'TV/HD', subCategories: [] }],
  magnetUrl: null,
  infoHash: 'ABC',
  seeders: 41,
  leechers: 3,
  protocol: 'torrent',
  fileName: 'Show.S02E01.1080p.WEB.h264.torrent',
};

const found: ReleaseFound = {
  itemId: 'item',
  query: 'show <b>',
  title: 'Show & Tell S01E01',
  size: 1_500_000_000,
  seeders: 12,
  indexer: 'Tracker',
  infoUrl: 'https://tracker.example/1?a=1&b=2',
  downloadUrl: null,
  posterUrl: null,
  publishDate: '2026-12-06T01:02:03.000Z',
};

describe('the indexer wire format', () => {
  it('reads a Prowlarr answer, ignoring extra fields and reading null as absent', () => {
    const [release] = searchAnswerSchema.parse([prowlarrRelease]);
    expect(release).toEqual({
      guid: prowlarrRelease.guid,
      title: prowlarrRelease.title,
      size: 2147483648,
      publishDate: '2026-12-06T01:02:03Z',
      seeders: 41,
      indexer: 'Tracker',
      infoUrl: prowlarrRelease.infoUrl,
      downloadUrl: prowlarrRelease.downloadUrl,
      posterUrl: undefined,
    });
  });

  it('refuses an answer without the fields a release needs', () => {
    expect(searchAnswerSchema.safeParse([{ ...prowlarrRelease, guid: undefined }]).success).toBe(false);
    expect(searchAnswerSchema.safeParse([{ ...prowlarrRelease, publishDate: 'yesterday' }]).success).toBe(false);
    expect(searchAnswerSchema.safeParse({ releases: [] }).success).toBe(false);
  });
});

describe('the Telegram message of a release', () => {
  it('is a text message with the HTML escaped when there is no poster', () => {
    const message = releaseMessage(found);
    expect(message).toMatchObject({ parseMode: 'HTML', disablePreview: true });
    if (!('text' in message)) throw new Error('expected a text message');
    expect(message.text).toContain('“show &lt;b&gt;”');
    expect(message.text).toContain('<a href="https://tracker.example/1?a=1&amp;b=2"><b>Show &amp; Tell S01E01</b></a>');
    expect(message.text).toContain('1.4 GB · 12 seeders · Tracker');
  });

  it('is a photo with a caption within Telegram’s 1024 characters when there is a poster', () => {
    const message = releaseMessage({ ...found, title: 'x'.repeat(3000), posterUrl: 'https://posters.example/p.jpg' });
    if (!('photo' in message)) throw new Error('expected a photo');
    expect(message.photo).toEqual({ url: 'https://posters.example/p.jpg' });
    expect(message.caption!.length).toBeLessThanOrEqual(1024);
    expect(message.caption).toContain('…');
  });

  it('writes sizes for people', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(1536)).toBe('1.5 KB');
    expect(humanSize(3 * 1024 ** 4)).toBe('3.0 TB');
  });
});
