import { type Command, Option } from 'commander';
import { ClientKeys } from '../api/client-keys.js';
import { profileLayout } from '../util/profile-layout.js';
import { defaultProfileDir } from './paths.js';

const profileOption = () => new Option('--profile <dir>', 'profile folder').default(defaultProfileDir(), '~/.memr1/profiles/default');

/** `memr1 clients …`: the keys other tools use for the OpenAI-compatible memory proxy that `memr1 serve` runs at /v1. */
export function registerClientCommands(program: Command): void {
  const clients = program.command('clients').description("other tools' keys for the OpenAI-compatible memory proxy (`memr1 serve` at /v1)");
  const keysOf = (profile: string) => new ClientKeys(profileLayout(profile).clients);

  clients
    .command('add <name>')
    .description('make a key for a client (shown once): its memory changes wait in Review as "proxy:<name>"')
    .addOption(profileOption())
    .action(async (name: string, opts: { profile: string }) => {
      const key = await keysOf(opts.profile).add(name);
      console.log(key);
      console.error(`memr1: the key for "${name}" (shown only now): use it as the API key, with base URL http://127.0.0.1:<port>/v1 of \`memr1 serve\``);
    });

  clients
    .command('list')
    .description('the clients that have a key')
    .addOption(profileOption())
    .action(async (opts: { profile: string }) => {
      for (const client of await keysOf(opts.profile).list()) console.log(`${client.name}\t${client.created_at}`);
    });

  clients
    .command('remove <name>')
    .description("remove a client's key: its requests are refused from then on")
    .addOption(profileOption())
    .action(async (name: string, opts: { profile: string }) => {
      await keysOf(opts.profile).remove(name);
      console.error(`memr1: removed the key of "${name}"`);
    });
}
