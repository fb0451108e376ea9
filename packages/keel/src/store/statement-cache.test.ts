import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.js';

describe('withStatementCache', () => {
  const open = () => {
    const sqlite = new Database(':memory:');
    sqlite.exec('create table t (n integer)');
    sqlite.exec('insert into t values (1), (2), (3)');
    return sqlite;
  };

  it('hands out one prepared statement per SQL text', () => {
    const db = withStatementCache(open());
    expect(db.prepare('select n from t')).toBe(db.prepare('select n from t'));
    expect(db.prepare('select n from t')).not.toBe(db.prepare('select n + 1 from t'));
  });

  it('never hands out a statement that is still iterating', () => {
    const db = withStatementCache(open());
    const first = db.prepare('select n from t');
    const rows = first.iterate([]) as IterableIterator<{ n: number }>;
    expect(rows.next().value).toEqual({ n: 1 });
    const second = db.prepare('select n from t');
    expect(second).not.toBe(first);
    expect(second.all([])).toHaveLength(3);
    expect([...rows].map((row) => row.n)).toEqual([2, 3]);
  });

  it('keeps at most `size` statements, dropping the least recently used', () => {
    const db = withStatementCache(open(), 2);
    const a = db.prepare('select 1');
    db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(a);
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(a);
    expect(db.prepare('select 2')).not.toBe(undefined);
  });
});
