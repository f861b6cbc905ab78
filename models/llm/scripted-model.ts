import type { ChatMessage, ChatModel, ChatModelInfo, FinishReason, Generation, SamplingOptions, TokenChunk } from './chat-model.js';
import { StopStringFilter } from './stop-strings.js';

/** One rule: when `when` matches the last user message, answer `reply`. */
export interface ScriptRule {
  when: RegExp | ((messages: readonly ChatMessage[]) => boolean);
  reply: string | ((messages: readonly ChatMessage[], match: RegExpExecArray | null) => string);
}

/**
 * FOR TESTS ONLY: a deterministic "model" that answers from rules, so agents,
 * transports and the UI can be tested end to end without LLM weights (none can
 * be installed in CI). It streams word by word, honours `maxTokens` (counted in
 * words), `stop` and `signal`, and reports a fixed log-probability per word.
 */
export class ScriptedChatModel implements ChatModel {
  readonly info: ChatModelInfo;

  constructor(
    private readonly rules: readonly ScriptRule[],
    private readonly fallback: string | ((messages: readonly ChatMessage[]) => string) = 'I have no scripted answer for that.',
    name = 'rules',
  ) {
    this.info = { id: `scripted:${name}`, backend: 'scripted', device: 'none', deviceReason: 'scripted test model, no inference', logprobs: true };
  }

  /** The reply the rules give, before any streaming limits. */
  replyTo(messages: readonly ChatMessage[]): string {
    const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    for (const rule of this.rules) {
      if (rule.when instanceof RegExp) {
        const match = new RegExp(rule.when.source, rule.when.flags.replace('g', '')).exec(last);
        if (match) return typeof rule.reply === 'string' ? rule.reply : rule.reply(messages, match);
      } else if (rule.when(messages)) {
        return typeof rule.reply === 'string' ? rule.reply : rule.reply(messages, null);
      }
    }
    return typeof this.fallback === 'string' ? this.fallback : this.fallback(messages);
  }

  async *stream(messages: readonly ChatMessage[], options: SamplingOptions = {}): AsyncIterable<TokenChunk> {
    for await (const chunk of this.run(messages, options, () => undefined)) yield chunk;
  }

  async generate(messages: readonly ChatMessage[], options: SamplingOptions = {}): Promise<Generation> {
    let finishReason: FinishReason = 'stop';
    const tokens: TokenChunk[] = [];
    for await (const chunk of this.run(messages, options, (reason) => (finishReason = reason))) tokens.push(chunk);
    return { text: tokens.map((t) => t.text).join(''), tokens, finishReason };
  }

  async dispose(): Promise<void> {}

  private async *run(messages: readonly ChatMessage[], options: SamplingOptions, finish: (reason: FinishReason) => void): AsyncGenerator<TokenChunk> {
    const words = this.replyTo(messages).match(/\s*\S+/g) ?? [];
    const limit = options.maxTokens ?? 256;
    const filter = new StopStringFilter(options.stop ?? []);
    let count = 0;
    for (const word of words) {
      if (options.signal?.aborted) return finish('abort');
      if (count === limit) return finish('length');
      await Promise.resolve(); // yield to the event loop like a real stream
      const text = filter.push(word);
      count++;
      if (text) yield { text, ...(options.logprobs ? { logprob: -0.1 } : {}) };
      if (filter.done) return finish('stop');
    }
    const rest = filter.flush();
    if (rest) yield { text: rest };
    finish('stop');
  }
}
