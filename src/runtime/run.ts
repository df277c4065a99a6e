// run: create + start, then (unless detached) stay in the foreground: forward signals to the
// container, exit with its status, and delete it afterwards, as `runc run` does.
import type { Logger } from '../logger';
import { SignalForwarder } from '../process/forward-signals';
import { create, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { start } from './start';
import { OwnConsole, proxyTerminal } from './terminal';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** Keep the stopped container instead of deleting it (runc --keep). */
  keep?: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Resolves with the container's exit status (0-255, 128+N for a signal); 0 when detached. */
export async function run(root: string, id: string, options: RunOptions, logger: Logger): Promise<number> {
  const wait = !options.detach;
  // A terminal in the foreground without a console socket: tsrunc holds the master itself
  // (unused, and closed, when the process has no terminal).
  const own = wait && !options.consoleSocket ? new OwnConsole() : undefined;
  const signals = wait ? new SignalForwarder(FORWARDED) : undefined;
  let created: Awaited<ReturnType<typeof create>>;
  try {
    created = await create(root, id, { ...options, consoleFd: own?.theirs }, logger, wait);
  } catch (e) {
    signals?.stop();
    own?.close();
    throw e;
  }
  own?.closeTheirs();
  const { pid, helper } = created;
  const terminal = own && created.terminal ? proxyTerminal(own.receive()) : undefined;
  own?.close();
  const exited = wait
    ? new Promise<number>((resolve) => helper.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))))
    : Promise.resolve(0);
  signals?.target(pid);
  try {
    await start(root, id, logger);
  } catch (e) {
    signals?.stop();
    await deleteContainer(root, id, true, logger);
    await terminal?.finish();
    throw e;
  }
  if (!wait) return 0;
  const status = await exited;
  signals?.stop();
  await terminal?.finish();
  if (!options.keep) await deleteContainer(root, id, true, logger);
  return status;
}
