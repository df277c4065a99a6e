// exec: run one more process in a running container, as `runc exec` does. Node only decides:
// it checks the container's status, builds and compiles the process object, and connects the
// console socket; tsrunc-init's exec mode (native/init/exec.h) does the namespace, cgroup and
// process work, because setns into a mount namespace is impossible from multithreaded Node.
import { crashPoint } from '../crash-point';
import * as fs from 'node:fs';

import { TsruncError, type ConfigProblem } from '../errors';
import type { Logger } from '../logger';
import { addon } from '../native/addon';
import { SignalForwarder } from '../process/forward-signals';
import { managerFor } from '../cgroups/cgroup-manager';
import { cgroupDirsOf } from '../cgroups/process-cgroups';
import { cgroupsRootlessMayEnter } from '../cgroups/rootless';
import { isRootless } from '../rootless';
import { compileExec, type ExecPlan } from '../plan/exec';
import { writeFileAtomic } from '../state/store';
import { withContainer } from './container';
import { execProcess, type ExecProcessFlags } from './exec-process';
import { hookState } from './hooks';
import { helperExitStatus, launchExec } from './launch';
import { consoleRoute, OwnConsole, proxyTerminal, type TerminalProxy } from './terminal';
import type { SyncChannel } from './sync-channel';

export interface ExecOptions extends ExecProcessFlags {
  /** Return once the process runs (runc --detach); otherwise wait and resolve with its status. */
  detach?: boolean;
  pidFile?: string;
  /** Unix socket that receives the pty master (process.terminal). */
  consoleSocket?: string;
  /** Unix socket that receives a pidfd of the process (runc 1.2 --pidfd-socket). */
  pidfdSocket?: string;
  preserveFds?: number;
  /** Allow an exec into a paused container (the process starts frozen). */
  ignorePaused?: boolean;
  /** runc --cgroup: "[<controller>[,...]:]<path>", an existing sub-cgroup of the container's. */
  cgroup?: string;
  /** fds 0, 1, 2 of the process (default: this process's own 0, 1, 2); 'pipe' is not offered here. */
  stdio?: [number | 'ignore', number | 'ignore', number | 'ignore'];
  /**
   * process.terminal without a console socket: a socket of the caller's (one end of a socketpair)
   * the pty master is sent over; it stays the caller's (not closed here).
   */
  consoleFd?: number;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Status check and compilation, under the container's lock; nothing is started yet. `state`: the
 * container's state JSON, which a seccomp agent gets with the exec'd process's notify fd.
 */
function planExec(root: string, id: string, options: ExecOptions, logger: Logger): { plan: ExecPlan; state: string } {
  return withContainer(root, id, {}, (c) => {
    const stored = c.stored;
    const status = c.status();
    if (status === 'stopped') throw new TsruncError('INVALID_STATE', 'cannot exec in a stopped container');
    if (status === 'created') throw new TsruncError('INVALID_STATE', `cannot exec in a created container: container ${id} is not running (start it first)`);
    if (status === 'paused' && !options.ignorePaused) {
      throw new TsruncError('INVALID_STATE', 'cannot exec in a paused container (use --ignore-paused to override)');
    }
    const process = execProcess(stored.config, options);
    const warnings: ConfigProblem[] = [];
    const plan = compileExec(stored.config, process, {
      id, pid: stored.pid, pidStartTime: stored.pidStartTime, cgroups: cgroupsToEnter(stored.pid, options.cgroup, stored.cgroup ? managerFor(stored.cgroup).dirs() : []),
    }, { warnings });
    // What the init's create already warned about (e.g. ambient capabilities without inheritable).
    warnings.forEach((w) => logger.debug(`exec: ${w.pointer}: ${w.message}`));
    return { plan, state: hookState(stored, status) };
  });
}

/** Where the pty master goes: the --console-socket connection, or tsrunc's own socket pair. */
interface ConsoleChannel {
  fd?: number;
  own?: OwnConsole;
  /** The caller's consoleFd: never closed here. */
  borrowed?: boolean;
}

function closeHelperSide(c: ConsoleChannel): void {
  if (c.own) c.own.closeTheirs();
  else if (c.fd !== undefined && !c.borrowed) fs.closeSync(c.fd);
  c.fd = undefined;
}

/**
 * The init's cgroups the exec'd process is not in already. It starts in tsrunc's own (it is forked
 * from tsrunc's helper): on a hybrid host the init shares most v1 hierarchies with tsrunc, and each
 * needless cgroup.procs write costs a v1 migration (milliseconds).
 */
function cgroupsToEnter(initPid: number, sub: string | undefined, own: string[]): string[] {
  const ours = cgroupDirsOf(process.pid);
  const missing = cgroupDirsOf(initPid, sub, own).filter((dir) => !ours.includes(dir));
  return isRootless() ? cgroupsRootlessMayEnter(missing, ours) : missing;
}

function consoleFor(plan: ExecPlan, options: ExecOptions): ConsoleChannel {
  const route = consoleRoute(plan.process.terminal, { ...options, detach: options.detach === true });
  if (route === 'none') return {};
  if (route === 'caller') return { fd: options.consoleFd, borrowed: true };
  if (route === 'socket') return { fd: connectConsoleSocket(options.consoleSocket!) };
  const own = new OwnConsole();
  return { fd: own.theirs, own };
}

/** Connects --console-socket (a host path, resolved by tsrunc, never inside the container). */
export function connectConsoleSocket(file: string): number {
  try {
    return addon().connectUnix(file);
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--console-socket ${file} is not a listening unix socket: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The exec'd process's host pid, once it exec'd; throws why it did not. `onPid` runs as soon as
 * the pid is known (a pidfd for --pidfd-socket is opened then, while the process surely exists).
 */
async function awaitExec(sync: SyncChannel, onPid?: (pid: number) => void): Promise<number> {
  const { pid } = await sync.expect('pid'); // sync step 2
  onPid?.(pid);
  await sync.execed();
  return pid;
}

/** Resolves with the process's exit status (128+N for signal N); 0 when detached. */
export async function exec(root: string, id: string, options: ExecOptions, logger: Logger): Promise<number> {
  const { plan, state } = planExec(root, id, options, logger);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pidfdSocket = options.pidfdSocket ? require('./pidfd-socket') as typeof import('./pidfd-socket') : undefined;
  let pidfdSocketFd = pidfdSocket ? pidfdSocket.connectPidfdSocket(options.pidfdSocket!) : -1;
  let pidfd = -1;
  let channel: ConsoleChannel;
  try {
    channel = consoleFor(plan, options);
  } catch (e) {
    if (pidfdSocketFd >= 0) fs.closeSync(pidfdSocketFd);
    throw e;
  }
  const wait = !options.detach;
  let terminal: TerminalProxy | undefined;
  const signals = wait ? new SignalForwarder(FORWARDED) : undefined;
  try {
    const { helper, sync } = launchExec(plan, state, { wait, preserveFds: options.preserveFds ?? 0, consoleFd: channel.fd, stdio: options.stdio });
    logger.debug(`exec ${id}: tsrunc-init joins the namespaces and cgroups of init pid ${plan.pid}`);
    const exited = helperExitStatus(helper);
    crashPoint('exec:launched');
    let pid: number;
    try {
      pid = await awaitExec(sync, (p) => { if (pidfdSocket) pidfd = pidfdSocket.openPidfd(p); });
    } catch (e) {
      await exited;
      throw e;
    } finally {
      sync.close();
      closeHelperSide(channel);
    }
    crashPoint('exec:pid');
    logger.debug(`exec ${id}: process ${pid} executed${wait ? '' : ' (detached)'}`);
    if (options.pidFile) writeFileAtomic(options.pidFile, String(pid));
    if (pidfdSocketFd >= 0) {
      const [socket, opened] = [pidfdSocketFd, pidfd];
      pidfdSocketFd = -1;
      pidfd = -1;
      pidfdSocket!.sendPidfd(socket, pid, opened);
    }
    if (!wait) {
      await exited;
      return 0;
    }
    if (channel.own) terminal = proxyTerminal(channel.own.receive());
    signals?.target(pid);
    const status = await exited;
    logger.debug(`exec ${id}: process ${pid} exited with status ${status}`);
    await terminal?.finish();
    return status;
  } finally {
    signals?.stop();
    closeHelperSide(channel);
    channel.own?.close();
    if (pidfdSocketFd >= 0) fs.closeSync(pidfdSocketFd);
    if (pidfd >= 0) fs.closeSync(pidfd);
  }
}
