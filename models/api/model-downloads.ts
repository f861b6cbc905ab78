import { DEFAULT_DTYPE } from '../llm/create-chat-model.js';
import { downloadModel, type DownloadProgress } from '../llm/hub-download.js';
import type { OnnxDtype } from '../llm/onnx-dtype.js';
import { ApiError } from '../contract/api-error.js';
import type { RouteEvent } from '../contract/routes.js';

/** At most this many progress events a second per download: a model arrives in thousands of chunks. */
const PROGRESS_INTERVAL_MS = 100;

/** Downloads into the profile's models folder, one at a time per model (they share a staging folder). */
export class ModelDownloads {
  private readonly running = new Set<string>();

  constructor(
    private readonly modelsDir: string,
    private readonly hubUrl?: string,
  ) {}

  async run(id: string, dtype: OnnxDtype | undefined, emit: (event: RouteEvent<'models.download'>) => void, signal: AbortSignal): Promise<void> {
    if (this.running.has(id)) throw new ApiError('CONFLICT', `${id} is already downloading`);
    this.running.add(id);
    try {
      let lastAt = 0;
      let lastFile = '';
      const onProgress = (p: DownloadProgress) => {
        const now = performance.now();
        const fileDone = p.fileTotal !== null && p.fileLoaded === p.fileTotal;
        if (p.file === lastFile && !fileDone && now - lastAt < PROGRESS_INTERVAL_MS) return;
        lastAt = now;
        lastFile = p.file;
        emit({ type: 'progress', file: p.file, bytes: p.loaded, total: p.total ?? 0, percent: p.percent ?? 0 });
      };
      await downloadModel(id, { modelsDir: this.modelsDir, dtype: dtype ?? DEFAULT_DTYPE, signal, onProgress, ...(this.hubUrl ? { hubUrl: this.hubUrl } : {}) });
      emit({ type: 'done', id });
    } finally {
      this.running.delete(id);
    }
  }
}
