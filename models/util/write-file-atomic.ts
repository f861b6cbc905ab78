import { open, rename, rm } from 'node:fs/promises';

/** Writes and fsyncs: once this returns, the bytes survive a power cut (the rename that publishes them is synced separately). */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes to a temporary file beside `path`, flushes it to disk, then renames
 * it over `path`: a crash leaves either the old file or the new one, never a
 * half-written one.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFileDurable(tmp, text);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
