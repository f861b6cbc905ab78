import { type Command } from 'commander';
import { DEFAULT_CHAT_MODEL, DEFAULT_DTYPE } from '../llm/create-chat-model.js';
import { downloadModel, isInstalled, listInstalled, modelFolder } from '../llm/hub-download.js';
import { deviceCandidates } from '../llm/onnx-device.js';
import { addModelOptions, type ModelCliOptions } from './model-options.js';
import { printJson } from './output.js';
import { createByteProgress } from './progress.js';

/** `memr1 models …`: local chat models. */
export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('list, download and inspect local chat models');

  addModelOptions(models.command('list').description('models downloaded into the profile'), DEFAULT_DTYPE)
    .option('--json', 'print JSON')
    .action(async (opts: ModelCliOptions & { json?: boolean }) => {
      const installed = await listInstalled(opts.models);
      if (opts.json) return printJson({ models_dir: opts.models, installed, default: DEFAULT_CHAT_MODEL });
      if (!installed.length) console.log(`no models in ${opts.models}; \`memr1 models download ${DEFAULT_CHAT_MODEL}\` gets the default`);
      for (const id of installed) console.log(`${id}${id === DEFAULT_CHAT_MODEL ? '  (default)' : ''}`);
    });

  addModelOptions(models.command('download').description('download a transformers.js ONNX model from the Hub').argument('<id>', 'Hub model id, e.g. ' + DEFAULT_CHAT_MODEL), DEFAULT_DTYPE)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: ModelCliOptions & { json?: boolean }) => {
      const progress = createByteProgress();
      const controller = new AbortController();
      const cancel = () => controller.abort();
      process.once('SIGINT', cancel); // Ctrl-C leaves a resumable partial download, not a broken folder
      try {
        const folder = await downloadModel(id, {
          modelsDir: opts.models,
          dtype: opts.dtype,
          signal: controller.signal,
          onProgress: progress.update,
          ...(opts.hub ? { hubUrl: opts.hub } : {}),
        });
        progress.stop();
        if (opts.json) printJson({ id, dtype: opts.dtype, folder });
        else console.log(`${id} (${opts.dtype}) is in ${folder}`);
      } finally {
        progress.stop();
        process.off('SIGINT', cancel);
      }
    });

  addModelOptions(models.command('status').description('the default model, whether it is downloaded, and the devices that would be tried'), DEFAULT_DTYPE)
    .option('--json', 'print JSON')
    .action(async (opts: ModelCliOptions & { json?: boolean }) => {
      const folder = modelFolder(opts.models, DEFAULT_CHAT_MODEL);
      const { candidates, skipped } = deviceCandidates(opts.device);
      const status = {
        default_model: DEFAULT_CHAT_MODEL,
        dtype: opts.dtype,
        installed: isInstalled(folder, opts.dtype),
        folder,
        devices: candidates.map((c) => `${c.device} (${c.reason})`),
        skipped_devices: skipped,
        installed_models: await listInstalled(opts.models),
      };
      if (opts.json) return printJson(status);
      console.log(`default model: ${status.default_model} (${status.dtype}) ${status.installed ? 'downloaded' : 'not downloaded yet'}`);
      console.log(`models folder: ${opts.models}`);
      console.log(`devices tried: ${status.devices.join(', ')}`);
      for (const why of skipped) console.log(`  not tried: ${why}`);
    });
}
