import type { ManagerAction, RelatedMemory } from '../../agents/manager-state.js';
import { mergeMemory } from '../../agents/merge-memory.js';
import { dot } from '../../util/vector.js';

/** A memory in the simulated bank: what the store keeps, minus its bookkeeping. */
export interface SimMemory {
  id: string;
  text: string;
  /** Unit length. */
  vector: Float32Array;
  subject: string;
  event_time: string | null;
  sources: readonly string[];
}

/** A fact about to be decided on, with its embedding and the turns it came from. */
export interface SimFact {
  text: string;
  vector: Float32Array;
  subject: string;
  time: string | null;
  sources: readonly string[];
}

/** A related memory with the turns it came from. */
export type SimRelated = RelatedMemory & { sources: readonly string[] };

/**
 * An immutable in-memory memory bank that behaves like the store does under
 * the Memory Manager without an LLM: related memories are the top-K by cosine
 * (the store's vector search), and ADD / UPDATE / DELETE / NOOP change it as
 * `MemoryManager` applies them (UPDATE: `mergeMemory`'s text and vector,
 * sources unioned). Training asks "what if
 * this action instead?" thousands of times, and the benchmark builds a bank
 * per method and conversation; copying an array of references answers in
 * microseconds, where a LanceDB write takes milliseconds.
 */
export class SimBank {
  private constructor(
    readonly memories: readonly SimMemory[],
    private readonly nextId: number,
  ) {}

  static empty(): SimBank {
    return new SimBank([], 0);
  }

  /** The K memories closest to `vector`, best first, as the manager sees them. */
  related(vector: Float32Array, k: number): SimRelated[] {
    return this.nearest(vector, k).map(({ memory, score }) => ({ ...memory, score }));
  }

  /** The K memories closest to `vector`, best first. */
  nearest(vector: Float32Array, k: number): Array<{ memory: SimMemory; score: number }> {
    return this.memories
      .map((memory) => ({ memory, score: dot(vector, memory.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  /** The bank after `action` on `fact`; `related` is what the action's indices refer to. */
  apply(fact: SimFact, related: readonly RelatedMemory[], action: ManagerAction): SimBank {
    switch (action.kind) {
      case 'NOOP':
        return this;
      case 'ADD': {
        const memory: SimMemory = { id: `m${this.nextId}`, text: fact.text, vector: fact.vector, subject: fact.subject, event_time: fact.time, sources: fact.sources };
        return new SimBank([...this.memories, memory], this.nextId + 1);
      }
      case 'DELETE': {
        const target = related[action.index]!.id;
        return new SimBank(
          this.memories.filter((m) => m.id !== target),
          this.nextId,
        );
      }
      case 'UPDATE': {
        const target = related[action.index]!.id;
        return new SimBank(
          this.memories.map((m) => (m.id === target ? { ...m, ...mergeMemory(m, fact), event_time: fact.time ?? m.event_time, sources: [...new Set([...m.sources, ...fact.sources])] } : m)),
          this.nextId,
        );
      }
    }
  }
}
