// run: create + start, then (unless detached) stay in the foreground: forward signals to the
// container, exit with its status, and delete it afterwards, as `runc run` does.
// spawnContainer is the same for a library user who wants the process rather than the wait:
// its stdio streams and its exit status as a promise.
import type { Readable, Writable } from 'node:stream';

import type { Logger } from '../logger';
import type { Waits } from '../process/waits';
import { SignalForwarder } from '../process/forward-signals';
import { create, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { helperExitStatus } from './launch';
import { start } from './start';
import { OwnConsole, proxyTerminal } from './terminal';

export type RunOptions = CreateOptions & {
  detach?: boolean;
  /** Keep the stopped container instead of deleting it (runc --keep). */
  keep?: boolean;
};

export type SpawnOptions = CreateOptions & {
  /** Keep the stopped container instead of deleting it once it exits. */
  keep?: boolean;
};

/** A started container's process, as Runtime.spawn() hands it over. */
export interface ContainerProcess {
  id: string;
  /** Host pid of the container's process. */
  pid: number;
  /** The ends of the 'pipe' slots of `stdio`, null for the others. */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /**
   * The exit status (0-255, 128+N if killed by signal N), once the process has exited and
   * (unless `keep`) the container is deleted. Rejects only if that delete fails.
   */
  exited: Promise<number>;
}

/**
 * create + start; resolves once the process runs, with its pid, stdio and exit status. Unlike
 * run, nothing of this process (signals, terminal) is forwarded: the caller holds the process.
 */
export async function spawnContainer(root: string, id: string, options: SpawnOptions, logger: Logger, waits: Waits): Promise<ContainerProcess> {
  const { pid, helper } = await create(root, id, options, logger, waits, true);
  // The helper (tsrunc-init's first process) stays the init's parent and exits with its status.
  const status = helperExitStatus(helper);
  try {
    await start(root, id, logger, waits);
  } catch (e) {
    await deleteContainer(root, id, true, logger, waits);
    throw e;
  }
  const exited = status.then(async (code) => {
    if (!options.keep) await deleteContainer(root, id, true, logger, waits);
    return code;
  });
  exited.catch(() => {}); // a caller that never awaits it must not crash the process
  return { id, pid, stdin: helper.stdin, stdout: helper.stdout, stderr: helper.stderr, exited };
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/**
 * Resolves with the container's exit status (0-255, 128+N for a signal); 0 when detached.
 * `waits`: how create, start and delete wait (process/waits.ts).
 */
export async function run(root: string, id: string, options: RunOptions, logger: Logger, waits: Waits): Promise<number> {
  const wait = !options.detach;
  // A terminal in the foreground without a console socket: tsrunc holds the master itself
  // (unused, and closed, when the process has no terminal).
  const own = wait && !options.consoleSocket ? new OwnConsole() : undefined;
  const signals = wait ? new SignalForwarder(FORWARDED) : undefined;
  let created: Awaited<ReturnType<typeof create>>;
  try {
    created = await create(root, id, { ...options, consoleFd: own?.theirs, ownTerminal: own !== undefined }, logger, waits, wait);
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
    ? helperExitStatus(helper)
    : Promise.resolve(0);
  signals?.target(pid);
  try {
    await start(root, id, logger, waits);
  } catch (e) {
    signals?.stop();
    await deleteContainer(root, id, true, logger, waits);
    await terminal?.finish();
    throw e;
  }
  if (!wait) return 0;
  const status = await exited;
  logger.debug(`run ${id}: the container process exited with status ${status}`);
  signals?.stop();
  await terminal?.finish();
  if (!options.keep) await deleteContainer(root, id, true, logger, waits);
  return status;
}
