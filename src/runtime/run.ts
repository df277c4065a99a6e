// run: create + start, then (unless detached) stay in the foreground: forward signals to the
// container, exit with its status, and delete it afterwards, as `runc run` does.
// spawnContainer is the same for a library user who wants the process rather than the wait:
// its stdio streams and its exit status as a promise.
import type { Readable, Writable } from 'node:stream';

import type { Logger } from '../logger';
import { create, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { start } from './start';

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

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** start, and on failure delete: a container that cannot start is not left behind. */
async function startOrDelete(root: string, id: string, logger: Logger): Promise<void> {
  try {
    await start(root, id, logger);
  } catch (e) {
    await deleteContainer(root, id, true, logger);
    throw e;
  }
}

/**
 * create + start; resolves once the process runs, with its pid, stdio and exit status.
 * `onCreated` learns the pid before start (run forwards signals from then on).
 */
export async function spawnContainer(
  root: string, id: string, options: SpawnOptions, logger: Logger, onCreated?: (pid: number) => void,
): Promise<ContainerProcess> {
  const { pid, helper } = await create(root, id, options, logger, true);
  // The helper (tsrunc-init's first process) stays the init's parent and exits with its status.
  const status = new Promise<number>((resolve) => helper.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  onCreated?.(pid);
  await startOrDelete(root, id, logger);
  const exited = status.then(async (code) => {
    if (!options.keep) await deleteContainer(root, id, true, logger);
    return code;
  });
  exited.catch(() => {}); // a caller that never awaits it must not crash the process
  return { id, pid, stdin: helper.stdin, stdout: helper.stdout, stderr: helper.stderr, exited };
}

/** Resolves with the container's exit status (0-255, 128+N for a signal); 0 when detached. */
export async function run(root: string, id: string, options: RunOptions, logger: Logger): Promise<number> {
  if (options.detach) {
    await create(root, id, options, logger, false);
    await startOrDelete(root, id, logger);
    return 0;
  }
  let pid = 0;
  const forward = (sig: NodeJS.Signals) => {
    try {
      if (pid > 0) process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    const proc = await spawnContainer(root, id, options, logger, (created) => (pid = created));
    return await proc.exited;
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
  }
}
