// The argv shapes container managers actually send, parsed without yargs, and the entry of the
// per-verb bundles. One module: the table (src/cli/flags.json, generated into
// src/generated/cli-flags.ts by scripts/build-cli-flags.js, which also generates the native
// front-end's parser from it), the parser, and the lazily loaded command of each verb.
//
// containerd, podman and Docker call the runtime with a handful of fixed shapes, e.g.
//   --root R --log F --log-format json create --bundle B --pid-file P ID
//   --root R --log F --log-format json start ID
// Loading and running yargs costs more than `state` or `start` themselves, so argv that matches
// a verb's row, exactly and unambiguously, goes straight to the command's handler with the same
// argv object yargs would have built. Anything else - --help, an unknown or repeated flag, a
// missing or extra positional, `--flag=value` on a boolean, a "-" value, a bad --log-format -
// returns undefined and main() hands the whole argv to yargs, which owns every error message and
// every rare form. So outputs and exit codes cannot differ: the fast path only ever accepts what
// yargs would accept and builds what yargs would build. (The native front-end accepts the same
// forms of state, start, kill and delete, and hands everything else to this file's caller.)
//
// The per-verb bundles (dist/cli/tsrunc-<verb>.js, scripts/build-bundle.js) have verbMain() as
// their entry: each holds only its own verb's entry of COMMANDS (the others are throwing stubs).
import { CLI_FLAGS } from '../generated/cli-flags';
import { defaultRoot } from '../rootless';
import { reportError, type GlobalArgs } from './context';
import { printVersionIfAsked } from './version-flag';

type FlagType = 'string' | 'boolean' | 'number';
interface Flag {
  type: FlagType;
  alias?: string;
  default?: string | boolean | number;
}
type Flags = Record<string, Flag>;
type Handler = (argv: never) => number | Promise<number>;

/** A verb's row of the table. */
export interface FastVerb {
  flags: Flags;
  /** Positional names in order; a trailing '?' marks an optional one (with `defaults`). */
  positionals: readonly string[];
  defaults?: Record<string, string>;
  /** exec: everything after the container id is the process's command, not tsrunc's to parse. */
  commandAfterId?: boolean;
}
export type FastVerbs = Record<string, FastVerb>;

/** Every verb of the table (flags.json). */
export const FAST_VERBS: FastVerbs = CLI_FLAGS.verbs as unknown as FastVerbs;

/**
 * The global flags (flag-options.ts declares the same ones to yargs), but runc's hidden ones yargs
 * alone accepts: an argv with one goes to yargs. "$defaultRoot" is defaultRoot().
 */
const GLOBAL_FLAGS: Flags = Object.fromEntries(Object.entries(CLI_FLAGS.global as Record<string, Flag & { fastPath?: boolean }>)
  .filter(([, f]) => f.fastPath !== false)
  .map(([name, f]) => [name, f.default === '$defaultRoot' ? { ...f, default: defaultRoot() } : f]));
const LOG_FORMATS: readonly string[] = CLI_FLAGS.global['log-format'].choices;

// Each verb's command module, loaded only for the verb being run: the lazy table build-bundle.js
// stubs in each verb's bundle but its own.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => { handler: Handler }> = {
  state: () => require('./commands/state'),
  start: () => require('./commands/start'),
  kill: () => require('./commands/kill'),
  delete: () => require('./commands/delete'),
  create: () => require('./commands/create'),
  run: () => require('./commands/run'),
  exec: () => require('./commands/exec'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** exec's cut of the process's command, by the very function main.ts uses for yargs. */
function cutCommand(args: string[], verbIndex: number): string[] {
  return (COMMANDS.exec() as unknown as typeof import('./commands/exec')).takeCommand(args, verbIndex);
}

export interface FastCall {
  verb: string;
  argv: GlobalArgs & Record<string, unknown>;
}

/** The flag an argv word names, in `flags` (long name or alias), or undefined. */
function lookup(flags: Flags, word: string): [string, Flag] | undefined {
  if (word.startsWith('--')) {
    const name = word.slice(2);
    return Object.hasOwn(flags, name) ? [name, flags[name]] : undefined;
  }
  if (/^-[a-zA-Z]$/.test(word)) {
    const entry = Object.entries(flags).find(([, f]) => f.alias === word.slice(1));
    return entry && [entry[0], entry[1]];
  }
  return undefined;
}

/** argv as yargs would parse it, when it has one of the plain shapes of `verbs`; otherwise undefined. */
export function parseFast(argv0: string[], verbs: FastVerbs = FAST_VERBS): FastCall | undefined {
  let args = argv0;
  const set = new Map<string, string | boolean | number>();
  const positionals: string[] = [];
  let verbName: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      if (verbName === undefined) {
        if (!Object.hasOwn(verbs, arg)) return undefined;
        verbName = arg;
        if (verbs[arg].commandAfterId) args = cutCommand(args, i);
      } else {
        positionals.push(arg);
      }
      continue;
    }
    const eq = arg.indexOf('=');
    const word = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const found = lookup(GLOBAL_FLAGS, word) ?? (verbName ? lookup(verbs[verbName].flags, word) : undefined);
    if (!found) return undefined;
    const [name, flag] = found;
    if (set.has(name)) return undefined;
    if (flag.type === 'boolean') {
      if (word !== arg) return undefined;
      set.set(name, true);
      continue;
    }
    const value = word !== arg ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (flag.type === 'number') {
      if (!/^\d{1,9}$/.test(value)) return undefined;
      set.set(name, Number(value));
    } else {
      set.set(name, value);
    }
  }
  if (verbName === undefined) return undefined;
  const verb = verbs[verbName];
  const logFormat = set.get('log-format');
  if (logFormat !== undefined && !LOG_FORMATS.includes(logFormat as string)) return undefined;
  const required = verb.positionals.filter((p) => !p.endsWith('?')).length;
  if (positionals.length < required || positionals.length > verb.positionals.length) return undefined;

  const argv: Record<string, unknown> = {};
  for (const [name, flag] of [...Object.entries(GLOBAL_FLAGS), ...Object.entries(verb.flags)]) {
    const value = set.has(name) ? set.get(name) : flag.default;
    if (value !== undefined) argv[name] = value;
  }
  verb.positionals.forEach((p, i) => {
    const name = p.replace(/\?$/, '');
    argv[name] = positionals[i] ?? verb.defaults?.[name];
  });
  return { verb: verbName, argv };
}

/** Runs a parsed call: the handler's exit status, or a failure reported as main.ts reports it. */
export async function runFast(fast: FastCall): Promise<number> {
  try {
    return await COMMANDS[fast.verb]().handler(fast.argv as never);
  } catch (e) {
    return reportError(e, fast.argv);
  }
}

/**
 * The entry of a per-verb bundle: answers `verb` in a plain shape, or declines (undefined) before
 * doing anything at all, and bin/tsrunc hands the same argv to the full CLI's main().
 */
export async function verbMain(args: string[], verb: string | undefined): Promise<number | undefined> {
  if (printVersionIfAsked(args)) return 0;
  // TSRUNC_FAST_PATH=0 sends everything through yargs (main.ts): test/61 compares the paths.
  if (verb === undefined || !Object.hasOwn(FAST_VERBS, verb) || process.env.TSRUNC_FAST_PATH === '0') return undefined;
  // Only this bundle's verb: another verb's command module is not in it (see build-bundle.js).
  const fast = parseFast(args, { [verb]: FAST_VERBS[verb] });
  return fast && runFast(fast);
}
