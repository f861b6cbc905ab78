import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cosine } from '../../models/embed/embedder.js';
import { UseLitePool } from '../../models/embed/use-lite-pool.js';
import { spawnScript } from '../helpers/child-process.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

describe('UseLitePool (the encoder on worker threads, from the built worker)', () => {
  const tempDir = useTempDirs();
  const pool = UseLitePool.start(2);
  afterAll(() => pool.dispose());

  it('gives each text the in-process encoder\'s vector, in input order, across several requests', async () => {
    // 140 texts: two requests (128 + 12), one per worker.
    const texts = Array.from({ length: 140 }, (_, i) => `${'quite '.repeat(i % 9)}note ${i} on subject ${i % 11}`);
    const [pooled, direct] = await Promise.all([pool.embed(texts), realEmbedder().then((e) => e.embed(texts))]);
    expect(pooled).toHaveLength(140);
    expect(pool.size).toBe(2);
    for (const i of [0, 64, 127, 128, 139]) {
      expect(pooled[i]).toHaveLength(512);
      expect(cosine(pooled[i]!, direct[i]!)).toBeCloseTo(1, 5);
    }
    expect(cosine(pooled[0]!, pooled[1]!)).toBeLessThan(0.999);
    expect((await pool.backend()).name).toBe('onnxruntime-cpu');
  });

  it('sends requests that wait for a worker to it together, and gives each caller its own texts\' vectors', async () => {
    // 30 callers at once with 1-3 texts each: more than two workers can take one by one, so waiting requests are sent together.
    const calls = Array.from({ length: 30 }, (_, i) => Array.from({ length: 1 + (i % 3) }, (_, j) => `caller ${i} sentence ${j} about ${['tea', 'trains', 'tax forms'][j]}`));
    const [pooled, direct] = await Promise.all([Promise.all(calls.map((texts) => pool.embed(texts))), realEmbedder().then((e) => Promise.all(calls.map((texts) => e.embed(texts))))]);
    calls.forEach((texts, i) => {
      expect(pooled[i]).toHaveLength(texts.length);
      texts.forEach((_, j) => expect(cosine(pooled[i]![j]!, direct[i]![j]!)).toBeCloseTo(1, 5));
    });
  });

  it('shares requests that arrive together evenly among the idle workers', async () => {
    // A stand-in worker whose every vector says how many texts came in its request.
    const file = join(tempDir(), 'counting-worker.mjs');
    writeFileSync(
      file,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.on('message', ({ id, texts }) => parentPort.postMessage({ id, vectors: texts.map(() => new Float32Array(512).fill(texts.length)) }));\n",
    );
    const counting = UseLitePool.start(2, file);
    try {
      const vectors = await Promise.all(Array.from({ length: 20 }, (_, i) => counting.embed([`question ${i}`])));
      // Twenty one-text requests at once: two runs of ten side by side, not one of one and then one of nineteen.
      expect(vectors.map(([v]) => v![0])).toEqual(Array.from({ length: 20 }, () => 10));
    } finally {
      await counting.dispose();
    }
  });

  it.runIf(process.platform === 'linux')('runs its workers below the main thread\'s OS priority when it serves a chat, at the default for batch work', async () => {
    const niceOf = (reason: string) => {
      const threadId = /thread (\d+)/.exec(reason)?.[1];
      // Field 19 of /proc/<pid>/task/<tid>/stat is the thread's nice value (after the parenthesised name).
      return Number(readFileSync(`/proc/${process.pid}/task/${threadId}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    };
    const background = UseLitePool.start(1, undefined, { background: true });
    try {
      const priority = await background.priority();
      expect(priority).toMatchObject({ lowered: true, reason: expect.stringMatching(/^thread \d+ at nice 10$/) });
      expect(niceOf(priority.reason)).toBe(10);
      expect(niceOf(`thread ${readlinkSync('/proc/thread-self').split('/').pop()}`)).toBe(0); // the main thread stays where it was
    } finally {
      await background.dispose();
    }
    expect(await pool.priority()).toEqual({ lowered: false, reason: 'default priority (batch work)' });
  });

  it('fails every call with the worker\'s error instead of hanging when a worker dies', async () => {
    const file = join(tempDir(), 'broken-worker.mjs');
    writeFileSync(file, "throw new Error('no model here');\n");
    const broken = UseLitePool.start(1, file);
    await expect(broken.embed(['a', 'b'])).rejects.toThrow(/embedding worker/);
    await expect(broken.embed(['c'])).rejects.toThrow(/embedding worker/);
    await expect(broken.backend()).rejects.toThrow(/embedding worker/);
    await broken.dispose();
  });

  it('closes right after its first answer, another worker perhaps still loading its model, without aborting the process', async () => {
    // Terminating a worker inside ONNX Runtime's session creation aborted the CLI about one run in four.
    for (let run = 0; run < 5; run++) {
      const child = spawnScript('test/fixtures/pool-close-child.ts', []);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal)));
      expect({ code, output: output.trim() }, `run ${run}`).toEqual({ code: 0, output: 'closed' });
    }
  });

  it('says to build the engine when the worker script is missing', () => {
    expect(() => UseLitePool.start(1, join(tempDir(), 'missing.js'))).toThrow(/npm run build/);
  });
});
