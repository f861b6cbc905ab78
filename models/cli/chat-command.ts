import { type Command } from 'commander';
import type { ChatMessage } from '../llm/chat-model.js';
import { createChatModel, DEFAULT_CHAT_MODEL, DEFAULT_DTYPE } from '../llm/create-chat-model.js';
import { addModelOptions, type ModelCliOptions } from './model-options.js';
import { createByteProgress } from './progress.js';
import { numberIn } from './numbers.js';

/** `memr1 chat "message"`: one reply from a chat model, streamed to stdout. */
export function registerChatCommand(program: Command): void {
  addModelOptions(program.command('chat').description('send one message to a chat model and stream its reply').argument('<message>', 'what to say'), DEFAULT_DTYPE)
    .option('--llm <spec>', 'onnx:<folder-or-hub-id> | openai:<base-url>#<model>', `onnx:${DEFAULT_CHAT_MODEL}`)
    .option('--system <text>', 'a system prompt')
    .option('--max-tokens <n>', 'longest reply in tokens', numberIn('--max-tokens', { min: 1, max: 100_000, integer: true }), 256)
    .option('--temperature <t>', '0 = greedy', numberIn('--temperature', { min: 0, max: 2, integer: false }), 0)
    .action(async (message: string, opts: ModelCliOptions & { llm: string; system?: string; maxTokens: number; temperature: number }) => {
      const progress = createByteProgress();
      const model = await createChatModel(opts.llm, {
        modelsDir: opts.models,
        dtype: opts.dtype,
        device: opts.device,
        onDownloadProgress: progress.update,
        ...(opts.hub ? { hubUrl: opts.hub } : {}),
      }).finally(progress.stop);
      process.stderr.write(`[${model.info.id} on ${model.info.device}: ${model.info.deviceReason}]\n`);
      const messages: ChatMessage[] = [...(opts.system ? [{ role: 'system' as const, content: opts.system }] : []), { role: 'user', content: message }];
      const controller = new AbortController();
      const cancel = () => controller.abort();
      process.once('SIGINT', cancel); // Ctrl-C stops the reply and keeps what was printed
      try {
        for await (const chunk of model.stream(messages, { maxTokens: opts.maxTokens, temperature: opts.temperature, signal: controller.signal })) {
          process.stdout.write(chunk.text);
        }
        process.stdout.write('\n');
      } finally {
        process.off('SIGINT', cancel);
        await model.dispose();
      }
    });
}
