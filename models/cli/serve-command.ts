import { type Command, Option } from 'commander';
import { ProfileHost } from '../api/profile-host.js';
import { startWebServer } from '../api/http-server.js';
import { stableMcpToken } from '../api/mcp-token-file.js';
import { announceServe } from '../api/serve-discovery.js';
import { defaultProfileDir } from './paths.js';
import { numberIn } from './numbers.js';

/** `memr1 serve`: web mode, the app in a browser tab on this machine. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the app on 127.0.0.1 (web mode); open the printed address, which carries the access token')
    .option('--port <n>', 'port to listen on (0: any free port)', numberIn('--port', { min: 0, max: 65_535, integer: true }), 0)
    .option('--host <address>', 'address to listen on (keep it local: the API has no other defence than its token)', '127.0.0.1')
    .addOption(new Option('--profile <dir>', 'profile folder').default(defaultProfileDir(), '~/.memr1/profiles/default'))
    .option('--static <dir>', 'the built UI to serve (default: renderer/dist in the package)')
    .option('--locomo-data <file>', "learning: also gate new policy versions on LoCoMo's validation conversation (locomo10.json; default $MEMR1_LOCOMO)")
    .action(async (opts: { port: number; host: string; profile: string; static?: string; locomoData?: string }) => {
      // A damaged memory database still serves: the Settings screen shows it and restores it.
      const assistant = await ProfileHost.open({ profileDir: opts.profile, ...(opts.locomoData ? { locomoData: opts.locomoData } : {}) });
      for (const warning of assistant.warnings) console.error(`memr1: ${warning}`);
      // The MCP token is the profile's, kept across runs: a configured tool keeps working after a restart.
      const server = await stableMcpToken(assistant.profileDir)
        .then((mcpToken) => startWebServer({ assistant, proxy: assistant.proxyOptions(), mcpToken, port: opts.port, host: opts.host, ...(opts.static ? { staticDir: opts.static } : {}) }))
        .catch(async (error: unknown) => {
          await assistant.close();
          throw error;
        });
      // `memr1 mcp` on this profile finds this process here and forwards to it (announced before the address is printed, so whoever reads it finds the file).
      const withdraw = announceServe(assistant.profileDir, `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${server.port}`, server.token);
      console.log(`memr1: serving ${assistant.profileDir} at ${server.url}`);
      console.log(`memr1: OpenAI-compatible memory proxy at ${new URL(server.url).origin}/v1 (a key per client: \`memr1 clients add <name>\`)`);
      console.log(`memr1: MCP (streamable HTTP) at ${server.mcpUrl} with "Authorization: Bearer ${server.mcpToken}"`);
      // Ctrl-C or a service manager's SIGTERM: stop replies, flush the memory store, release the profile.
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.error(`memr1: ${signal}: shutting down`);
      withdraw();
      await server.close();
      await assistant.close();
    });
}
