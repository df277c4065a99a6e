// The argv shapes container managers actually send, parsed without yargs.
//
// containerd, podman and Docker call the runtime with a handful of fixed shapes, e.g.
//   --root R --log F --log-format json create --bundle B --pid-file P ID
//   --root R --log F --log-format json start ID
// Loading and running yargs costs more than `state` or `start` themselves, so argv that matches
// a row of the verb tables, exactly and unambiguously, goes straight to the command's handler
// with the same argv object yargs would have built. Anything else - --help, an unknown or
// repeated flag, a missing or extra positional, `--flag=value` on a boolean, a "-" value, a
// bad --log-format - returns undefined and main() hands the whole argv to yargs, which owns
// every error message and every rare form. So outputs and exit codes cannot differ: the fast
// path only ever accepts what yargs would accept and builds what yargs would build.
//
// The rows live in two tables: hot-verbs.ts (state, start, kill, delete) and fast-verbs.ts (those
// plus create, run and exec), used by verb-main.ts (the per-verb bundles) and main.ts. This file
// is only the parser, so a verb's bundle holds no other verb's code.
import { defaultRoot } from '../rootless';
import { reportError, type GlobalArgs } from './context';

type FlagType = 'string' | 'boolean' | 'number';
interface Flag {
  type: FlagType;
  alias?: string;
  default?: string | boolean | number;
}
export type Flags = Record<string, Flag>;
type Handler = (argv: never) => number | Promise<number>;
export type FastVerbs = Record<string, FastVerb>;

export interface FastVerb {
  flags: Flags;
  /** Positional names in order; a trailing '?' marks an optional one (with `defaults`). */
  positionals: string[];
  defaults?: Record<string, string>;
  /** Loads the command module (src/cli/commands/*), only for the verb being run. */
  load: () => { handler: Handler };
  /**
   * For exec: everything after the container id is the process's command, not tsrunc's to parse.
   * Given the arguments and the verb's index, returns the arguments left to parse (the same cut
   * main.ts makes before yargs).
   */
  cut?: (args: string[], verbIndex: number) => string[];
}

/** The global flags (main.ts declares the same ones to yargs). */
const GLOBAL_FLAGS: Flags = {
  root: { type: 'string', default: defaultRoot() },
  log: { type: 'string' },
  'log-format': { type: 'string', default: 'text' },
  debug: { type: 'boolean', default: false },
  'systemd-cgroup': { type: 'boolean', default: false },
};
const LOG_FORMATS = ['text', 'json'];


export interface FastCall {
  verb: FastVerb;
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

/** argv as yargs would parse it, when it has one of the plain shapes; otherwise undefined. */
export function parseFast(argv0: string[], verbs: FastVerbs): FastCall | undefined {
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
        const cut = verbs[arg].cut;
        if (cut) args = cut(args, i);
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
  return { verb, argv };
}

/** Runs a parsed call: the handler's exit status, or a failure reported as main.ts reports it. */
export async function runFast(fast: FastCall): Promise<number> {
  try {
    return await fast.verb.load().handler(fast.argv as never);
  } catch (e) {
    return reportError(e, fast.argv);
  }
}
