import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { ChatModelError } from './chat-model.js';
import { onnxFileFor, type OnnxDtype } from './onnx-dtype.js';

/** Where models come from unless `MEMR1_HUB_URL` or an option says otherwise. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';
/** Written last into a finished download, one per dtype; weights without it are not usable. */
const completeMarker = (dtype: OnnxDtype) => `.memr1-complete-${dtype}`;
/** Tokenizer and config files a transformers.js model may need besides its weights. */
const SIDE_FILES = /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|added_tokens\.json|vocab\.json|vocab\.txt|merges\.txt|chat_template\.jinja|preprocessor_config\.json)$/;
const MODEL_ID = /^[\w.-]+\/[\w.-]+$/;

export interface DownloadProgress {
  file: string;
  /** Bytes of this file on disk so far (resumed bytes included). */
  fileLoaded: number;
  fileTotal: number | null;
  /** Bytes of the whole model so far, and its size when the Hub said. */
  loaded: number;
  total: number | null;
  /** 0–100 over the whole model, when its size is known. */
  percent: number | null;
}

export interface DownloadOptions {
  /** The profile's models folder; the model lands in `<modelsDir>/<org>/<name>`. */
  modelsDir: string;
  hubUrl?: string;
  revision?: string;
  dtype: OnnxDtype;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

const RepoInfo = z.object({
  siblings: z.array(z.object({ rfilename: z.string(), size: z.number().optional() })),
});

export function modelFolder(modelsDir: string, modelId: string): string {
  return join(modelsDir, ...modelId.split('/'));
}

/** Whether the folder holds a finished download (of `dtype`, or of any dtype). */
export function isInstalled(folder: string, dtype?: OnnxDtype): boolean {
  if (dtype) return existsSync(join(folder, completeMarker(dtype)));
  return existsSync(folder) && readdirSync(folder).some((name) => name.startsWith('.memr1-complete-'));
}

/** Models fully downloaded into `modelsDir`, as `org/name` ids. */
export async function listInstalled(modelsDir: string): Promise<string[]> {
  if (!existsSync(modelsDir)) return [];
  const ids: string[] = [];
  for (const org of await readdir(modelsDir)) {
    if (org.startsWith('.')) continue;
    const orgDir = join(modelsDir, org);
    if (!(await stat(orgDir)).isDirectory()) continue;
    for (const name of await readdir(orgDir)) if (isInstalled(join(orgDir, name))) ids.push(`${org}/${name}`);
  }
  return ids.sort();
}

/**
 * Downloads a transformers.js model (configs, tokenizer, the ONNX weights of one
 * dtype) from the Hub. Files stream into `<modelsDir>/.downloads/`, each into a
 * `.part` file resumed with an HTTP Range request after an interruption, and the
 * finished folder is renamed into place in one step: a model folder is either
 * complete or absent.
 */
export async function downloadModel(modelId: string, options: DownloadOptions): Promise<string> {
  if (!MODEL_ID.test(modelId)) throw new ChatModelError('INVALID_OPTIONS', `"${modelId}" is not a Hub model id (expected org/name)`);
  const hub = (options.hubUrl ?? process.env.MEMR1_HUB_URL ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const revision = options.revision ?? 'main';
  const target = modelFolder(options.modelsDir, modelId);
  if (isInstalled(target, options.dtype)) return target;

  const files = selectFiles(modelId, options.dtype, await repoFiles(hub, modelId, revision, options.signal));
  const staging = join(options.modelsDir, '.downloads', modelId.replace('/', '--'));
  const total = files.every((f) => f.size !== undefined) ? files.reduce((sum, f) => sum + (f.size ?? 0), 0) : null;
  let done = 0;
  for (const file of files) {
    const url = `${hub}/${modelId}/resolve/${encodeURIComponent(revision)}/${file.rfilename}`;
    const bytes = await downloadFile(url, join(staging, file.rfilename), options.signal, (fileLoaded, fileTotal) => {
      const loaded = done + fileLoaded;
      options.onProgress?.({ file: file.rfilename, fileLoaded, fileTotal, loaded, total, percent: total ? Math.min(100, (100 * loaded) / total) : null });
    });
    done += bytes;
  }
  await writeFile(join(staging, completeMarker(options.dtype)), JSON.stringify({ modelId, revision, dtype: options.dtype, at: new Date().toISOString() }));
  await install(staging, target);
  return target;
}

/**
 * Moves a finished download into place: the whole folder in one rename, or,
 * when another dtype of the model is already there, file by file with the
 * completion marker last.
 */
async function install(staging: string, target: string): Promise<void> {
  if (!isInstalled(target)) {
    await rm(target, { recursive: true, force: true }); // leftovers without any finished download
    await mkdir(dirname(target), { recursive: true });
    await rename(staging, target);
    return;
  }
  const files = (await readdir(staging, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const ordered = [...files.filter((f) => !f.name.startsWith('.memr1-complete-')), ...files.filter((f) => f.name.startsWith('.memr1-complete-'))];
  for (const file of ordered) {
    const from = join(file.parentPath, file.name);
    const to = join(target, from.slice(staging.length + 1));
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }
  await rm(staging, { recursive: true, force: true });
}

async function repoFiles(hub: string, modelId: string, revision: string, signal: AbortSignal | undefined): Promise<z.infer<typeof RepoInfo>['siblings']> {
  const url = `${hub}/api/models/${modelId}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const response = await request(url, {}, signal, modelId, hub);
  if (response.status === 404 || response.status === 401) {
    throw new ChatModelError('UNKNOWN_MODEL', `the Hub at ${hub} has no model "${modelId}" (revision ${revision}); check the id`);
  }
  if (!response.ok) throw new ChatModelError('HTTP_ERROR', `${url} answered HTTP ${response.status}`);
  const parsed = RepoInfo.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new ChatModelError('HTTP_ERROR', `${url} did not list the model's files`);
  return parsed.data.siblings;
}

function selectFiles(modelId: string, dtype: OnnxDtype, siblings: z.infer<typeof RepoInfo>['siblings']) {
  const weights = onnxFileFor(dtype);
  if (!siblings.some((f) => f.rfilename === weights)) {
    const available = siblings.map((f) => /^onnx\/model(_\w+)?\.onnx$/.exec(f.rfilename)?.[1] ?? (f.rfilename === 'onnx/model.onnx' ? '(fp32)' : null)).filter(Boolean);
    throw new ChatModelError('UNKNOWN_MODEL', `${modelId} has no ${weights}; it offers: ${available.join(', ') || 'no transformers.js ONNX weights'}`);
  }
  return siblings.filter((f) => SIDE_FILES.test(f.rfilename) || f.rfilename === weights || f.rfilename.startsWith(`${weights}_data`));
}

/** Downloads one file into `path`, resuming `<path>.part`; returns its size. */
async function downloadFile(url: string, path: string, signal: AbortSignal | undefined, progress: (loaded: number, total: number | null) => void): Promise<number> {
  if (existsSync(path)) {
    const size = (await stat(path)).size;
    progress(size, size);
    return size;
  }
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const response = await request(url, have ? { range: `bytes=${have}-` } : {}, signal);
  if (!response.ok || !response.body) throw new ChatModelError('HTTP_ERROR', `${url} answered HTTP ${response.status}`);
  const resumed = response.status === 206;
  const start = resumed ? have : 0;
  const total = totalSize(response, start);
  let loaded = start;
  // Each chunk is written before the next is read, so whatever arrived before a cut is on disk to resume from.
  const file = await open(part, resumed ? 'a' : 'w');
  try {
    for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
      await file.write(chunk as Uint8Array);
      loaded += (chunk as Uint8Array).length;
      progress(loaded, total);
    }
  } catch (error) {
    if (signal?.aborted) throw new ChatModelError('DOWNLOAD_INTERRUPTED', `download of ${url} was cancelled; run it again to resume from ${loaded} bytes`, { cause: error });
    throw new ChatModelError('DOWNLOAD_INTERRUPTED', `the download of ${url} was cut at ${loaded} bytes (${(error as Error).message}); run it again to resume`, { cause: error });
  } finally {
    await file.close();
  }
  if (total !== null && loaded !== total) {
    throw new ChatModelError('DOWNLOAD_INTERRUPTED', `the download of ${url} stopped at ${loaded} of ${total} bytes; run it again to resume`);
  }
  await rename(part, path);
  return loaded;
}

function totalSize(response: Response, start: number): number | null {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (range) return Number(range[1]);
  const length = response.headers.get('content-length');
  return length === null ? null : start + Number(length);
}

async function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, modelId?: string, hub?: string): Promise<Response> {
  try {
    return await fetch(url, { headers: { ...headers, ...authHeader(url) }, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw new ChatModelError('DOWNLOAD_INTERRUPTED', `download cancelled (${url})`, { cause: error });
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const what = modelId ? `download ${modelId}` : `fetch ${url}`;
    throw new ChatModelError(
      'OFFLINE',
      `cannot reach ${hub ?? new URL(url).origin} to ${what} (${cause?.code ?? cause?.message ?? (error as Error).message}). ` +
        'Check the internet connection and run it again (a partial download resumes), or copy a downloaded model folder here and use --llm onnx:/path/to/folder',
      { cause: error },
    );
  }
}

/** Gated models need a Hugging Face token; it is only ever sent to the Hub. */
function authHeader(url: string): Record<string, string> {
  const token = process.env.HF_TOKEN;
  return token && new URL(url).hostname.endsWith('huggingface.co') ? { authorization: `Bearer ${token}` } : {};
}
