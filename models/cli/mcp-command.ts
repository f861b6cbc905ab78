import { type Command, Option } from 'commander';
import { defaultProfileDir } from './paths.js';

/**
 * `memr1 mcp`: the memory as an MCP server over stdio, for hosts that launch
 * a command (Claude Desktop, LM Studio, Jan, VS Code). It forwards to the
 * `memr1 serve` or desktop app that holds the profile, or opens the profile itself. Stdout
 * carries MCP messages only; everything else goes to stderr.
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve the memory to an MCP host over stdio (forwards to `memr1 serve` or the desktop app when it holds the profile)')
    .addOption(new Option('--profile <dir>', 'profile folder').default(defaultProfileDir(), '~/.memr1/profiles/default'))
    .action(async (opts: { profile: string }) => {
      const { reserveStdout } = await import('./protocol-stdout.js');
      const stdout = reserveStdout(); // before anything is loaded that might print
      // Loaded here: the SDK and the engine are not needed by the other commands.
      const [{ StdioServerTransport }, { openMcpBackend }] = await Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('../api/mcp/profile-access.js')]);
      const backend = await openMcpBackend({ profileDir: opts.profile });
      for (const warning of backend.warnings) console.error(`memr1: ${warning}`);
      console.error(`memr1 mcp: ${backend.description}`);
      // The host ends the session by closing our stdin (or with a signal).
      const ended = new Promise<string>((resolve) => {
        process.stdin.once('end', () => resolve('the host closed stdin'));
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      await backend.connect(new StdioServerTransport(process.stdin, stdout));
      console.error(`memr1 mcp: ${await ended}: shutting down`);
      await backend.close();
    });
}
