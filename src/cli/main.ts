// The tsrunc command line: runc's verbs, flags, outputs and exit codes over the Runtime API.
// It reaches the library only through its public index (src/index.ts), so whatever the CLI can do,
// a library user can too; the commands parse flags and print, nothing more.
import yargs from 'yargs/yargs';

import { DEFAULT_ROOT, TsruncError, versionText } from '../index';
import * as create from './commands/create';
import * as del from './commands/delete';
import * as exec from './commands/exec';
import * as events from './commands/events';
import * as features from './commands/features';
import * as kill from './commands/kill';
import * as list from './commands/list';
import * as pause from './commands/pause';
import * as ps from './commands/ps';
import * as resume from './commands/resume';
import * as update from './commands/update';
import * as run from './commands/run';
import * as spec from './commands/spec';
import * as start from './commands/start';
import * as state from './commands/state';
import { loggerFrom, type GlobalArgs } from './context';
import { print } from './output';

type Handler = (argv: never) => number | Promise<number>;

export async function main(args: string[]): Promise<number> {
  if (args.includes('--version') || args.includes('-v')) {
    print(versionText());
    return 0;
  }
  let status = 0;
  let globals: GlobalArgs = {};
  // Each handler returns the exit status; yargs only parses and dispatches.
  const wrap = (h: Handler) => async (argv: never) => {
    globals = argv;
    status = await h(argv);
  };
  const parser = yargs(stdinValues(execCommandCut(args)))
    .scriptName('tsrunc')
    .usage('tsrunc [global options] <command> [options]\n\nAn OCI container runtime (runc-compatible) in TypeScript.')
    .option('root', { type: 'string', default: DEFAULT_ROOT, describe: 'directory for container state', global: true })
    .option('log', { type: 'string', describe: 'log file (default: stderr)', global: true })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'log line format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'debug logging', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, hidden: true, global: true })
    .option('rootless', { type: 'string', hidden: true, global: true })
    .option('criu', { type: 'string', hidden: true, global: true })
    // runc's flags include --no-pivot and --no-new-keyring: names, not negations of --pivot.
    .parserConfiguration({ 'boolean-negation': false })
    .version(false)
    .help()
    .strict()
    .demandCommand(1, 'a command is required (see --help)')
    .fail((msg, err) => {
      throw err ?? new TsruncError('INVALID_ARGUMENT', msg);
    });
  for (const m of [create, start, state, kill, del, run, exec, list, pause, resume, ps, update, events, features, spec]) {
    parser.command(m.command, m.describe, m.builder as never, wrap(m.handler as Handler));
  }
  try {
    await parser.parseAsync();
    return status;
  } catch (e) {
    const logger = loggerFrom(globals.root ? globals : parseGlobalsLoosely(args));
    logger.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
}

// yargs reads a lone "-" after an option as no value at all, but runc's callers use it for
// stdin (Docker: `update --resources - ID`): hand it over as "--resources=-".
function stdinValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i + 1] === '-' && /^--?[a-z][\w-]*$/.test(args[i])) {
      out.push(`${args[i]}=-`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

// Global flags that take a value, to find the command among tsrunc's arguments.
const GLOBAL_VALUE_FLAGS = new Set(['--root', '--log', '--log-format', '--criu', '--rootless']);

/** `exec ID COMMAND...`: the command is the process's, not tsrunc's to parse (see commands/exec.ts). */
function execCommandCut(args: string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_VALUE_FLAGS.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i] === 'exec' ? exec.takeCommand(args, i) : args;
  }
  return args;
}

// When parsing itself failed, still honour --log/--log-format so the client sees the error.
function parseGlobalsLoosely(args: string[]): GlobalArgs {
  const get = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
  };
  return { log: get('--log'), 'log-format': get('--log-format') };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
