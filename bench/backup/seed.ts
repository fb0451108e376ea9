// Grows a planner SQLite database to about `megabytes`: users, events the bench user organizes or
// joins, participants, and a filler table of random blobs, all by `insert ... select` over a recursive CTE.
import Database from 'better-sqlite3';

/** Seeds `path` (a migrated planner database whose bench user is `userId`); returns the file's size in bytes. */
export function seedPlannerDatabase(path: string, userId: string, megabytes: number): number {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('synchronous = OFF');
    const { password_hash: hash } = db.prepare('SELECT password_hash FROM users WHERE id = ?').get(userId) as {
      password_hash: string;
    };
    // Scale the relational part with the target size: ~1 event per 5 KB, capped at 200k.
    const events = Math.max(1000, Math.min(200_000, Math.round((megabytes * 1024) / 5)));
    const users = 1000;
    const now = '2026-01-01T00:00:00.000Z';
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
         SELECT printf('00000000-0000-4000-9000-%012x', i), 'user' || i || '@example.com', 'User ' || i, ?, ?, ? FROM n`,
      ).run(users, hash, now, now);
      // Every 400th event is the bench user's own (a busy calendar, not the whole table); seeded users organize the rest.
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO events (id, title, description, starts_at, ends_at, location, organizer_id, created_at, updated_at)
         SELECT printf('00000000-0000-4000-8000-%012x', i), 'Event ' || i, hex(randomblob(60)),
                strftime('%Y-%m-%dT%H:%M:%fZ', '2030-01-01', '+' || (i * 7) || ' minutes'),
                strftime('%Y-%m-%dT%H:%M:%fZ', '2030-01-01', '+' || (i * 7 + 30) || ' minutes'),
                'Room ' || (i % 50),
                CASE WHEN i % 400 = 0 THEN ? ELSE printf('00000000-0000-4000-9000-%012x', 1 + i % ?) END, ?, ?
         FROM n`,
      ).run(events, userId, users, now, now);
      // Three participants each; the bench user also joins every 400th event (offset by 200).
      for (let position = 0; position < 3; position += 1) {
        db.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO event_participants (event_id, user_id, status, position, updated_at)
           SELECT printf('00000000-0000-4000-8000-%012x', i),
                  CASE WHEN ? = 0 AND i % 400 = 200 THEN ?
                       ELSE printf('00000000-0000-4000-9000-%012x', 1 + (i * 7 + ? * 131) % ?) END,
                  'pending', ?, ?
           FROM n`,
        ).run(events, position, userId, position, users, position, now);
      }
    })();
    db.exec('CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const sizeNow = (): number => (db.pragma('page_count', { simple: true }) as number) * pageSize;
    const target = megabytes * 1024 * 1024;
    // Filler rows of 3900 bytes fit one per 4 KiB page; insert in chunks of ~64 MB.
    while (sizeNow() < target) {
      const rows = Math.max(1, Math.min(16_384, Math.ceil((target - sizeNow()) / pageSize)));
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO bench_filler (data) SELECT randomblob(3900) FROM n`,
      ).run(rows);
    }
    db.pragma('journal_mode = WAL');
    return sizeNow();
  } finally {
    db.close();
  }
}
