import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, testServerUrl } from './index.js';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('covers both dialects', () => {
    expect(testDialects).toEqual(['sqlite', 'postgres']);
  });

  it('gives each caller a fresh PostgreSQL database and drops it', async () => {
    const [a, b] = await Promise.all([createTestDatabase('postgres'), createTestDatabase('postgres')]);
    expect(a.databaseUrl).not.toBe(b.databaseUrl);
    expect(a.options.databaseUrl).toBe(a.databaseUrl);
    const name = new URL(a.databaseUrl ?? '').pathname.slice(1);
    expect(await databaseExists(name)).toBe(true);
    await Promise.all([a.drop(), b.drop()]);
    expect(await databaseExists(name)).toBe(false);
    expect(existsSync(a.dataDir)).toBe(false);
  });

  it('gives each caller a fresh SQLite folder and removes it', async () => {
    const db = await createTestDatabase('sqlite');
    expect(db.databaseUrl).toBeUndefined();
    expect(db.options).toEqual({ dataDir: db.dataDir });
    expect(existsSync(db.dataDir)).toBe(true);
    await db.drop();
    expect(existsSync(db.dataDir)).toBe(false);
  });
});
