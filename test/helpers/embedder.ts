import { UseLiteEmbedder } from '../../models/embed/use-lite.js';

let shared: Promise<UseLiteEmbedder> | undefined;

/** The real default embedder, loaded once per test file (each file runs in its own process). */
export function realEmbedder(): Promise<UseLiteEmbedder> {
  shared ??= UseLiteEmbedder.load();
  return shared;
}
