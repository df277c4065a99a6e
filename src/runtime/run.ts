// run: create + start, then (unless detached) stay in the foreground: forward signals to the
// container, exit with its status, and delete it afterwards, as `runc run` does.
import type { Logger } from '../logger';
import { create, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { start } from './start';

export interface RunOptions extends CreateOptions {
  detach?: boolean;
  /** Keep the stopped container instead of deleting it (runc --keep). */
  keep?: boolean;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Resolves with the container's exit status (0-255, 128+N for a signal); 0 when detached. */
export async function run(root: string, id: string, options: RunOptions, logger: Logger): Promise<number> {
  const wait = !options.detach;
  const { pid, helper } = await create(root, id, options, logger, wait);
  const exited = wait
    ? new Promise<number>((resolve) => helper.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))))
    : Promise.resolve(0);
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  if (wait) for (const sig of FORWARDED) process.on(sig, forward);
  try {
    await start(root, id, logger);
  } catch (e) {
    await deleteContainer(root, id, true, logger);
    throw e;
  }
  if (!wait) return 0;
  const status = await exited;
  for (const sig of FORWARDED) process.off(sig, forward);
  if (!options.keep) await deleteContainer(root, id, true, logger);
  return status;
}
