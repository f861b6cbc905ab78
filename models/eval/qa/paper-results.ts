/**
 * Memory-R1 (arXiv 2508.19828 v5), Table 1: LoCoMo test split, overall
 * F1 / BLEU-1 / LLM-as-a-judge in percent, for the two 7–8B backbones. Shown
 * beside our QA-track results for the same backbone.
 */
export const PAPER_BACKBONES = ['llama-3.1-8b', 'qwen-2.5-7b'] as const;
export type PaperBackbone = (typeof PAPER_BACKBONES)[number];

export interface PaperRow {
  f1: number;
  bleu1: number;
  j: number;
}

export const PAPER_TABLE_1: Record<PaperBackbone, Record<string, PaperRow>> = {
  'llama-3.1-8b': {
    'LoCoMo (RAG)': { f1: 11.41, bleu1: 8.71, j: 13.62 },
    'A-Mem': { f1: 29.2, bleu1: 24.4, j: 44.76 },
    Mem0: { f1: 30.41, bleu1: 22.22, j: 45.68 },
    MemoryOS: { f1: 35.04, bleu1: 27.99, j: 48.2 },
    'Memory-SFT': { f1: 42.81, bleu1: 32.98, j: 58.76 },
    'Memory-R1-PPO': { f1: 41.05, bleu1: 32.91, j: 57.54 },
    'Memory-R1-GRPO': { f1: 45.02, bleu1: 37.51, j: 62.74 },
  },
  'qwen-2.5-7b': {
    'LoCoMo (RAG)': { f1: 8.97, bleu1: 7.27, j: 12.17 },
    'A-Mem': { f1: 26.08, bleu1: 21.78, j: 40.78 },
    Mem0: { f1: 30.61, bleu1: 23.55, j: 53.3 },
    MemoryOS: { f1: 34.64, bleu1: 29.36, j: 51.26 },
    'Memory-SFT': { f1: 39.51, bleu1: 30.84, j: 61.13 },
    'Memory-R1-PPO': { f1: 41.72, bleu1: 33.7, j: 59.53 },
    'Memory-R1-GRPO': { f1: 43.14, bleu1: 36.44, j: 61.51 },
  },
};
