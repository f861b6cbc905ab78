import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes to a temporary file beside `path`, flushes it to disk, then renames
 * it over `path`: a crash leaves either the old file or the new one, never a
 * half-written one.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
