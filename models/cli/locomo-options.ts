import { Option } from 'commander';
import { join } from 'node:path';
import { CachingEmbedder } from '../embed/caching-embedder.js';
import { createEmbedder } from '../embed/create-embedder.js';
import { EmbeddingFileCache } from '../embed/embedding-file-cache.js';
import { defaultEmbedWorkers } from '../embed/use-lite-pool.js';
import { DEFAULT_BANK_BUDGET } from '../eval/bank/build-sim-bank.js';
import { defaultProfileDir } from './paths.js';
import type { Progress } from './progress.js';
import { numberIn } from './numbers.js';

/** `--embed-cache <dir>`: where LoCoMo runs keep their texts' vectors between runs. */
export function embedCacheOption(): Option {
  return new Option('--embed-cache <dir>', 'LoCoMo: keep the texts\' vectors here between runs (each text is embedded once, ever)').default(join(defaultProfileDir(), 'cache', 'embeddings'));
}

/**
 * The embedder of a LoCoMo run: `spec` on every core, its vectors kept in
 * `cacheDir` on disk and in memory; `progress` hears how many new texts are
 * embedded (minutes on a first run).
 */
export async function locomoEmbedder(spec: string, cacheDir: string, progress?: Progress): Promise<CachingEmbedder> {
  const onEmbedded = progress && ((done: number, total: number) => progress.update('embedding new texts', done, total));
  return new CachingEmbedder(new EmbeddingFileCache(await createEmbedder(spec, { workers: defaultEmbedWorkers() }), cacheDir, onEmbedded));
}

/** `--bank-budget <share>`: the managed banks hold at most this share of a conversation's observations. */
export function bankBudgetOption(): Option {
  return new Option('--bank-budget <share>', 'LoCoMo: the managed banks hold at most this share of the observations, so merging and forgetting matter (0 < share <= 1)')
    .argParser(numberIn('--bank-budget', { min: 0, max: 1, minExclusive: true, integer: false }))
    .default(DEFAULT_BANK_BUDGET);
}
