import { Command, CommanderError } from 'commander';
import { registerAgentCommands } from './cli/agent-commands.js';
import { registerBenchCommands } from './cli/bench-commands.js';
import { registerChatCommand } from './cli/chat-command.js';
import { registerClientCommands } from './cli/client-commands.js';
import { registerDoctorCommand } from './cli/doctor-command.js';
import { registerLearnCommands } from './cli/learn-commands.js';
import { registerMcpCommand } from './cli/mcp-command.js';
import { registerMemoryCommands } from './cli/memory-commands.js';
import { registerModelCommands } from './cli/model-commands.js';
import { registerPolicyCommands } from './cli/policy-commands.js';
import { registerServeCommand } from './cli/serve-command.js';
import { registerTrainCommands } from './cli/train-commands.js';
import { ApiError } from './contract/api-error.js';
import { ChatModelError } from './llm/chat-model.js';
import { isMemoryError } from './memory/errors.js';
import { CheckpointError } from './rl/checkpoints.js';

/** The `memr1` command: every capability of the engine, scriptable without a window. */
export function buildProgram(): Command {
  const program = new Command('memr1')
    .description('Memory-R1 Desktop engine: a memory that learns to manage itself')
    .version('0.1.0')
    .showHelpAfterError();
  registerMemoryCommands(program);
  registerDoctorCommand(program);
  registerAgentCommands(program);
  registerTrainCommands(program);
  registerPolicyCommands(program);
  registerLearnCommands(program);
  registerChatCommand(program);
  registerModelCommands(program);
  registerBenchCommands(program);
  registerServeCommand(program);
  registerClientCommands(program);
  registerMcpCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
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
