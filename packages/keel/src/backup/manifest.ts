import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BackupCorruptError } from './errors.js';
import { writeFileAtomic } from './files.js';
import { withFileLock } from './lock.js';

/** The manifest's file name inside the backup folder. */
export const MANIFEST_FILE = 'manifest.json';

const entrySchema = z.object({
  file: z.string().min(1),
  database: z.string().min(1),
  dialect: z.enum(['sqlite', 'postgres']),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({ version: z.literal(1), backups: z.array(entrySchema) });

/**
 * One backup as the manifest records it.
 *
 * @example
 * ```ts
 * const [newest]: BackupEntry[] = await backups.list();
 * ```
 */
export type BackupEntry = z.output<typeof entrySchema>;

/**
 * The zod schema of a {@link BackupEntry}, for route responses.
 *
 * @example
 * ```ts
 * app.get('/backups', { schema: { response: { 200: z.array(backupEntrySchema) } } }, () => backups.list());
 * ```
 */
export const backupEntrySchema = entrySchema;

type Manifest = z.output<typeof manifestSchema>;

/** Every entry of the manifest in `dir`; none when it does not exist yet. */
export async function readManifest(dir: string): Promise<BackupEntry[]> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BackupCorruptError(`The backup manifest ${path} is not valid JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new BackupCorruptError(`The backup manifest ${path} is malformed`, { cause: parsed.error });
  return parsed.data.backups;
}

/** Reads, changes and atomically rewrites the manifest, under a lock shared with other processes. */
export async function updateManifest(
  dir: string,
  change: (entries: BackupEntry[]) => BackupEntry[],
): Promise<BackupEntry[]> {
  return withFileLock(join(dir, `${MANIFEST_FILE}.lock`), async () => {
    const next: Manifest = { version: 1, backups: change(await readManifest(dir)) };
    await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(next, null, 2)}\n`);
    return next.backups;
  });
}
