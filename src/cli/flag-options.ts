// A verb's yargs options from its row of the one flag table, src/cli/flags.json (through
// src/generated/cli-flags.ts): the yargs builders, the TS fast path (fast-path.ts) and the native
// front-end's parser all come from that row, so a flag is declared once.
import type { Argv, Options } from 'yargs';

import { CLI_FLAGS } from '../generated/cli-flags';
import { defaultRoot } from '../rootless';

interface Row {
  positionals: readonly string[];
  defaults?: Record<string, string>;
  flags: Record<string, { type: 'string' | 'boolean' | 'number'; alias?: string; default?: unknown; describe?: string }>;
}
export type TableVerb = keyof typeof CLI_FLAGS.verbs;
const row = (verb: TableVerb): Row => CLI_FLAGS.verbs[verb] as unknown as Row;

type GlobalFlag = { type: 'string' | 'boolean'; default?: unknown; describe?: string; choices?: readonly string[]; hidden?: boolean };

/** The global options of every command, as the table declares them; "$defaultRoot" is defaultRoot(). */
export function withGlobalFlags<T>(y: Argv<T>): Argv<T> {
  for (const [name, f] of Object.entries(CLI_FLAGS.global as Record<string, GlobalFlag>)) {
    // A flag with choices is declared by them alone, as runc's help shows it.
    const options: Options = f.choices ? { choices: [...f.choices] } : { type: f.type };
    if (f.default !== undefined) options.default = f.default === '$defaultRoot' ? defaultRoot() : f.default;
    if (f.describe !== undefined) options.describe = f.describe;
    if (f.hidden) options.hidden = true;
    y = y.option(name, { ...options, global: true });
  }
  return y;
}

/** Adds `verb`'s positionals and flags, as the table declares them, to a yargs command. */
export function withTableFlags<T>(y: Argv<T>, verb: TableVerb): Argv<T> {
  const r = row(verb);
  for (const p of r.positionals) {
    const name = p.replace(/\?$/, '');
    const optional = p.endsWith('?');
    y = y.positional(name, optional ? { type: 'string', default: r.defaults?.[name] } : { type: 'string', demandOption: true });
  }
  for (const [name, f] of Object.entries(r.flags)) {
    // Only what the row says: a key set to undefined is not the same as no key to yargs.
    const options: Options = { type: f.type };
    if (f.alias !== undefined) options.alias = f.alias;
    if (f.default !== undefined) options.default = f.default;
    if (f.describe !== undefined) options.describe = f.describe;
    y = y.option(name, options);
  }
  return y;
}

/** The flags of `verb` that take a value, as argv words (`--cwd`, `-e`): exec's command cut needs them. */
export function valueFlagWords(verb: TableVerb): Set<string> {
  const words = new Set<string>();
  for (const [name, f] of Object.entries(row(verb).flags)) {
    if (f.type === 'boolean') continue;
    words.add(`--${name}`);
    if (f.alias !== undefined) words.add(`-${f.alias}`);
  }
  return words;
}
