// The tsrunc command line: runc's verbs, flags, outputs and exit codes over the Runtime API.
// It reaches the library only through its public index (src/index.ts), so whatever the CLI can do,
// a library user can too; the commands parse flags and print, nothing more.
import type { Argv } from 'yargs';

import { TsruncError } from '../errors';
import { loggerFrom, reportError, type GlobalArgs } from './context';
import { FAST_VERBS, parseFast, runFast } from './fast-path';
import { withGlobalFlags } from './flag-options';
import { printVersionIfAsked } from './version-flag';

type Handler = (argv: never) => number | Promise<number>;

export async function main(args: string[]): Promise<number> {
  if (printVersionIfAsked(args)) return 0;
  // TSRUNC_FAST_PATH=0 sends everything through yargs: test/61 compares the two paths with it.
  const fast = process.env.TSRUNC_FAST_PATH === '0' ? undefined : parseFast(args, FAST_VERBS);
  if (fast) return runFast(fast);
  let status = 0;
  let globals: GlobalArgs = {};
  // Each handler returns the exit status; yargs only parses and dispatches.
  const wrap = (h: Handler) => async (argv: never) => {
    globals = argv;
    status = await h(argv);
  };
  // yargs and every command module load only here, for --help, errors and the rare forms.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const yargs = require('yargs/yargs') as (args: string[]) => Argv;
  const commands: { command: string; describe: string; builder: unknown; handler: Handler }[] = [
    require('./commands/create'), require('./commands/start'), require('./commands/state'), require('./commands/kill'),
    require('./commands/delete'), require('./commands/run'), require('./commands/exec'), require('./commands/list'), require('./commands/pause'),
    require('./commands/resume'), require('./commands/ps'), require('./commands/update'), require('./commands/events'),
    require('./commands/features'), require('./commands/spec'),
    require('./commands/bundle'), require('./commands/volume'),
    (require('./commands/checkpoint') as typeof import('./commands/checkpoint')).checkpoint,
    (require('./commands/checkpoint') as typeof import('./commands/checkpoint')).restore,
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  const help = helpRequest(args, commands.map((m) => m.command.split(' ')[0]));
  if (typeof help === 'string') {
    // runc's answer to a command it does not have (`runc foo`, `runc foo -h`, `runc help foo`): exit 3.
    loggerFrom(parseGlobalsLoosely(args)).error(`No help topic for '${help}'`);
    return 3;
  }
  const parser = withGlobalFlags(yargs(stdinValues(execCommandCut(help)))
    .scriptName('tsrunc')
    .usage('tsrunc [global options] <command> [options]\n\nAn OCI container runtime (runc-compatible) in TypeScript.'))
    // runc's flags include --no-pivot and --no-new-keyring: names, not negations of --pivot.
    .parserConfiguration({ 'boolean-negation': false })
    .version(false)
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'a command is required (see --help)')
    .fail((msg, err) => {
      throw err ?? new TsruncError('INVALID_ARGUMENT', msg);
    });
  for (const m of commands) {
    parser.command(m.command, m.describe, m.builder as never, wrap(m.handler as Handler));
  }
  try {
    await parser.parseAsync();
    return status;
  } catch (e) {
    return reportError(e, globals.root ? globals : parseGlobalsLoosely(args));
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

/**
 * runc's help forms, as yargs should see them: no command at all and `help`/`h` show the global help,
 * `help CMD` is `CMD --help`. A word in the command's place that is no command of tsrunc's comes back
 * as that word (runc: "No help topic for 'foo'"), whatever follows it.
 */
function helpRequest(args: string[], commands: string[]): string[] | string {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_VALUE_FLAGS.has(args[i])) {
      i++;
      continue;
    }
    if (args[i].startsWith('-')) continue;
    const word = args[i];
    const before = args.slice(0, i);
    if (word === 'help' || word === 'h') {
      const topic = args.slice(i + 1).find((a) => !a.startsWith('-'));
      if (topic === undefined) return [...before, '--help'];
      return commands.includes(topic) ? [...before, topic, '--help'] : topic;
    }
    return commands.includes(word) ? args : word;
  }
  // No command: runc shows its help (and exits 0), unless a flag asked for something else.
  return args.some((a) => a === '-h' || a === '--help') ? args : [...args, '--help'];
}

/**
 * `exec ID COMMAND...` and `ps ID PS-OPTIONS...`: what follows the id is the process's or ps's, not
 * tsrunc's to parse (see commands/exec.ts, commands/ps.ts).
 */
function execCommandCut(args: string[]): string[] {
  /* eslint-disable @typescript-eslint/no-require-imports */
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_VALUE_FLAGS.has(args[i])) i++;
    else if (args[i] === 'exec') return (require('./commands/exec') as typeof import('./commands/exec')).takeCommand(args, i);
    else if (args[i] === 'ps') return (require('./commands/ps') as typeof import('./commands/ps')).takePsOptions(args, i);
    else if (!args[i].startsWith('-')) return args;
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return args;
}

// When parsing itself failed, still honour --log/--log-format so the client sees the error.
function parseGlobalsLoosely(args: string[]): GlobalArgs {
  const get = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    return args.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
  };
  // Any other format is written as text, as the logger does.
  return { log: get('--log'), 'log-format': get('--log-format') === 'json' ? 'json' : 'text' };
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
