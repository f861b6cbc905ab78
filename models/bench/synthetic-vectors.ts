import type { Embedder } from '../embed/embedder.js';
import { mulberry32 } from '../util/seeded-random.js';

/**
 * Unit vectors shaped like sentence embeddings: points scattered around topic
 * centres (cosine to their centre about 0.8), not uniform noise, on which no
 * nearest-neighbour index is meaningful.
 */
export class TopicVectors {
  private readonly gaussian: () => number;
  private readonly pickTopic: () => number;
  private readonly centres: Float32Array[];

  constructor(
    readonly dimension: number,
    topics: number,
    seed: number,
    private readonly spread = 0.75,
  ) {
    const uniform = mulberry32(seed);
    this.gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    this.centres = Array.from({ length: topics }, () => this.unit(() => this.gaussian()));
    this.pickTopic = () => Math.floor(uniform() * topics);
  }

  /** A new point near a random topic centre. */
  next(): Float32Array {
    // Noise of norm ~spread around a unit centre: cosine to the centre ~ 1/sqrt(1 + spread^2).
    const centre = this.centres[this.pickTopic()]!;
    const scale = this.spread / Math.sqrt(this.dimension);
    return this.unit((i) => centre[i]! + scale * this.gaussian());
  }

  private unit(component: (i: number) => number): Float32Array {
    const v = new Float32Array(this.dimension);
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = component(i);
      norm += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
    return v;
  }
}

/** Records the benchmark's vectors as coming from a synthetic source (never a real model). */
export class SyntheticEmbedder implements Embedder {
  readonly id: string;

  constructor(private readonly vectors: TopicVectors) {
    this.id = `synthetic:topics-${vectors.dimension}`;
  }

  get dimension(): number {
    return this.vectors.dimension;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map(() => this.vectors.next());
  }

  async dispose(): Promise<void> {}
}
