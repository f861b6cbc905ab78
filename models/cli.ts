import { Command, CommanderError } from 'commander';
import { ApiError } from './contract/api-error.js';
import { ChatModelError } from './llm/chat-model.js';
import { isMemoryError } from './memory/errors.js';
import { CheckpointError } from './rl/checkpoint-error.js';

type Register = (program: Command) => void;

/**
 * Each top-level command (by the names it registers) and its module, in help
 * order. A run imports only the module of the command it runs: every module
 * pulls in parts of the engine (TensorFlow.js, transformers.js, LanceDB) that
 * take seconds to load, and `memr1 memory list` needs few of them.
 */
const COMMANDS: ReadonlyArray<readonly [names: readonly string[], load: () => Promise<Register>]> = [
  [['memory'], async () => (await import('./cli/memory-commands.js')).registerMemoryCommands],
  [['doctor'], async () => (await import('./cli/doctor-command.js')).registerDoctorCommand],
  [['ingest', 'ask'], async () => (await import('./cli/agent-commands.js')).registerAgentCommands],
  [['train'], async () => (await import('./cli/train-commands.js')).registerTrainCommands],
  [['policy'], async () => (await import('./cli/policy-commands.js')).registerPolicyCommands],
  [['learn'], async () => (await import('./cli/learn-commands.js')).registerLearnCommands],
  [['chat'], async () => (await import('./cli/chat-command.js')).registerChatCommand],
  [['models'], async () => (await import('./cli/model-commands.js')).registerModelCommands],
  [['bench'], async () => (await import('./cli/bench-commands.js')).registerBenchCommands],
  [['serve'], async () => (await import('./cli/serve-command.js')).registerServeCommand],
  [['mcp'], async () => (await import('./cli/mcp-command.js')).registerMcpCommand],
  [['clients'], async () => (await import('./cli/client-commands.js')).registerClientCommands],
];

/**
 * The `memr1` command: every capability of the engine, scriptable without a
 * window. With `argv`, only the command it names is registered (all of them
 * when it names none: help, `--version`, a typo commander suggests a fix for).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('memr1')
    .description('Memory-R1 Desktop engine: a memory that learns to manage itself')
    .version('0.1.0')
    .showHelpAfterError();
  const named = argv?.[2];
  const chosen = COMMANDS.filter(([names]) => named !== undefined && names.includes(named));
  for (const [, load] of chosen.length ? chosen : COMMANDS) (await load())(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = (await buildProgram(argv)).exitOverride();
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isMemoryError(error) || error instanceof ChatModelError || error instanceof CheckpointError || error instanceof ApiError) {
      console.error(`memr1: ${error.message} [${error.code}]`);
      return 2;
    }
    console.error(`memr1: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.MEMR1_DEBUG && error instanceof Error) console.error(error.stack);
    return 1;
  }
}
