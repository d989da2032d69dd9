import type { Command } from 'commander';
import { redactSecrets } from '../config/redact.js';
import { createContext, type GlobalOptions } from './context.js';

function print(value: unknown, json: boolean): void {
  const text = json || typeof value !== 'string' ? JSON.stringify(value, null, json ? undefined : 2) : value;
  process.stdout.write(`${text}\n`);
}

/** `config show|get|set|validate|path`: the settings as the engine sees them, secrets masked. */
export function registerConfigCommand(program: Command, globals: () => GlobalOptions): void {
  const config = program.command('config').description('show, read, change and check the configuration');
  // The same settings as every other command: flags, environment, then what the data dir carries.
  const load = async () => (await createContext(globals(), false)).loaded;

  config.command('show').description('print the effective configuration (file, environment and flags merged; secrets masked)')
    .option('--json', 'one line of JSON')
    .action(async (o: { json?: boolean }) => {
      const { config: c, path } = await load();
      print(o.json ? redactSecrets(c) : `# ${path}\n${JSON.stringify(redactSecrets(c), null, 2)}`, !!o.json);
    });

  config.command('get').description('print one effective value, e.g. `config get exchange.weightBudget`')
    .argument('<key>', 'dotted key')
    .option('--json', 'print as JSON even for strings')
    .action(async (key: string, o: { json?: boolean }) => {
      const { getConfigValue } = await import('../config/config-values.js');
      print(redactSecrets({ v: getConfigValue((await load()).config, key) }).v, !!o.json);
    });

  config.command('set').description('validate and write one value to the config file, e.g. `config set sync.backfillDays 30`')
    .argument('<key>', 'dotted key')
    .argument('<value>', 'JSON, a comma list for lists, or a plain string')
    .action(async (key: string, raw: string) => {
      const loaded = await load();
      const { setConfigValue } = await import('../config/config-values.js');
      const value = setConfigValue(loaded.store, loaded.config, key, raw);
      process.stderr.write(`set ${key} = ${JSON.stringify(redactSecrets({ [key]: value })[key])} in ${loaded.store.path}\n`);
    });

  config.command('validate').description('check the config file; exit 0 when valid, 2 with every bad key named')
    .argument('[file]', 'the file to check (default: --config, CFA_CONFIG or the default file)')
    .action(async (file: string | undefined) => {
      const { validateConfigFile } = await import('../config/load-config.js');
      const path = validateConfigFile(file ?? globals().config);
      process.stdout.write(`✔ ${path} is valid\n`);
    });

  config.command('path').description('print the path of the config file in use')
    .action(async () => print((await load()).path, false));
}
