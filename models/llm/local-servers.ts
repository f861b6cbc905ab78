import { z } from 'zod';

/** A chat server people commonly run on their own machine, at its default port. */
export interface LocalServerCandidate {
  name: string;
  port: number;
}

/** The servers' default ports (each documents it): what a first run looks for. */
export const KNOWN_LOCAL_SERVERS: readonly LocalServerCandidate[] = [
  { name: 'Ollama', port: 11434 },
  { name: 'LM Studio', port: 1234 },
  { name: 'llama.cpp', port: 8080 },
  { name: 'Jan', port: 1337 },
  { name: 'vLLM', port: 8000 },
];

/** A server that answered, with the models it lists. */
export interface FoundServer {
  name: string;
  /** What the app's `openai:<base-url>#<model>` spec takes. */
  base_url: string;
  models: string[];
}

/** Long enough for a server on this machine to answer a model list, short enough that five closed ports cost nothing noticeable. */
const PROBE_TIMEOUT_MS = 800;

const ModelList = z.object({ data: z.array(z.object({ id: z.string() })).nullable() });

/**
 * The OpenAI-compatible servers already running on this machine: each
 * candidate's `GET /v1/models` on 127.0.0.1 only (nothing leaves the
 * machine), all at once, each with a short timeout. A port that is closed,
 * slow, or answers something else is simply not listed.
 */
export async function findLocalServers(candidates: readonly LocalServerCandidate[] = KNOWN_LOCAL_SERVERS): Promise<FoundServer[]> {
  const found = await Promise.all(candidates.map((candidate) => probe(candidate)));
  return found.filter((server): server is FoundServer => server !== undefined);
}

async function probe({ name, port }: LocalServerCandidate): Promise<FoundServer | undefined> {
  const base_url = `http://127.0.0.1:${port}/v1`;
  try {
    const response = await fetch(`${base_url}/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    const list = ModelList.safeParse(await response.json());
    return list.success ? { name, base_url, models: (list.data.data ?? []).map((model) => model.id) } : undefined;
  } catch {
    return undefined;
  }
}
