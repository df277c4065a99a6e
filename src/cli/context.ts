// What every command gets from the global flags.
// The runtime module, not the index: the index also loads the plan compiler and validators,
// which the cheap verbs must not pay for at every start (see fast-path.ts).
import { Runtime } from '../runtime/runtime';
import { defaultRoot } from '../rootless';
import { CliLogger, debugError, type LogFormat } from './log';
import { TsruncError } from '../errors';

// The global flags' types come from the flag table (src/cli/flags.json), as the flags do.
import type { GlobalArgs } from '../generated/cli-flags';
export type { GlobalArgs, VerbArgs } from '../generated/cli-flags';

export function loggerFrom(argv: GlobalArgs): CliLogger {
  return new CliLogger({ log: argv.log, logFormat: argv['log-format'] satisfies LogFormat | undefined, debug: argv.debug });
}

export function runtimeFrom(argv: GlobalArgs): Runtime {
  return new Runtime({ root: argv.root ?? defaultRoot(), logger: loggerFrom(argv), blockingWaits: true, systemdCgroup: argv['systemd-cgroup'] });
}

/** systemd socket activation: fds 3.. handed to this very process (LISTEN_PID is ours). */
export function listenFdsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LISTEN_FDS);
  if (!Number.isInteger(n) || n <= 0 || env.LISTEN_PID !== String(process.pid)) return 0;
  // Handed on with the preserved fds, which are checked (launch.ts); a count no process can hold is
  // refused here, naming the variable.
  if (n > 1 << 20) throw new TsruncError('INVALID_ARGUMENT', `LISTEN_FDS=${env.LISTEN_FDS}: more fds than a process can hold`);
  return n;
}

/** A command's failure: logged (to --log, or stderr) and exit status 1. */
export function reportError(e: unknown, globals: GlobalArgs): number {
  const logger = loggerFrom(globals);
  logger.error(e instanceof Error ? e.message : String(e));
  debugError(logger, e);
  return 1;
}
