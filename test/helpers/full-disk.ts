/**
 * A full disk on demand. A test file mocks `node:fs/promises` with it:
 *
 *   vi.mock('node:fs/promises', async (importOriginal) => (await import('../helpers/full-disk.js')).withFullDisk(await importOriginal()));
 *
 * and sets `disk.fullAt`: a file it picks gets half its bytes written, then ENOSPC.
 */
type FsPromises = typeof import('node:fs/promises');

export const disk: { fullAt: ((path: string) => boolean) | undefined } = { fullAt: undefined };

export function withFullDisk(actual: FsPromises): FsPromises {
  const open: FsPromises['open'] = async (path, flags, mode) => {
    const handle = await actual.open(path, flags, mode);
    if (disk.fullAt?.(String(path))) {
      handle.writeFile = (async (data: Uint8Array | string) => {
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        await handle.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }) as typeof handle.writeFile;
    }
    return handle;
  };
  return { ...actual, open };
}
