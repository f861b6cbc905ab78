import { type Command, Option } from 'commander';
import { ONNX_DTYPES, type OnnxDtype } from '../llm/onnx-dtype.js';
import { defaultModelsDir } from './paths.js';

export interface ModelCliOptions {
  models: string;
  dtype: OnnxDtype;
  device: 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml';
  hub?: string;
}

/** The options every command that may load or download a local model shares. */
export function addModelOptions(command: Command, defaultDtype: OnnxDtype): Command {
  return command
    .addOption(new Option('--models <dir>', "the profile's models folder").default(defaultModelsDir(), '~/.memr1/profiles/default/models'))
    .addOption(new Option('--dtype <dtype>', 'ONNX weights to use').choices(Object.keys(ONNX_DTYPES)).default(defaultDtype))
    .addOption(new Option('--device <device>', 'where to run a local model').choices(['auto', 'cpu', 'cuda', 'dml', 'coreml']).default('auto'))
    .option('--hub <url>', 'model hub to download from (default $MEMR1_HUB_URL or https://huggingface.co)');
}
