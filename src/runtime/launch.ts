// Starts tsrunc-init for one plan and sends it sync step 1. The helper runs from a sealed memfd
// copy (CVE-2019-5736) and gets exactly the fds native/init/sync.h lists: 0-2 (stdio), 3..3+N-1
// (--preserve-fds), then the sync socket, the exec FIFO and the cgroup directory. Node opens
// everything else close-on-exec, and the init marks every other fd close-on-exec again before it
// execs the container process (CVE-2024-21626).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';

import { TsruncError } from '../errors';
import { addon, initHelperPath } from '../native/addon';
import type { ExecPlan } from '../plan/exec';
import type { Plan } from '../plan/types';
import { SyncChannel, type ToInit } from './sync-channel';

export interface LaunchOptions {
  /** O_PATH fd of exec.fifo; omitted = the process starts without waiting for `start`. */
  fifoFd?: number;
  /** Directory fd of the container's cgroup: the init is cloned into it. */
  cgroupFd?: number;
  /** Foreground `run`: the helper stays the init's parent and exits with its status. */
  wait: boolean;
  /** Pass fds 3 .. 3+N-1 of this process into the container. */
  preserveFds: number;
  /** fds 0-2 of the init (and so of the container process); default this process's 0-2. */
  stdio?: (number | 'pipe' | 'ignore')[];
  /** process.terminal: the socket the pty master is sent over (--console-socket, or tsrunc's own). */
  consoleFd?: number;
}

export interface Launched {
  helper: ChildProcess;
  sync: SyncChannel;
}

export function launchInit(plan: Plan, options: LaunchOptions): Launched {
  return launchHelper({ type: 'launch', plan, wait: options.wait, preserveFds: options.preserveFds }, options); // sync step 1
}

/** tsrunc-init's exec mode: one more process in a running container (native/init/exec.h). */
export function launchExec(plan: ExecPlan, options: Omit<LaunchOptions, 'fifoFd' | 'cgroupFd'>): Launched {
  return launchHelper({ type: 'exec', exec: plan, wait: options.wait, preserveFds: options.preserveFds }, options, 'unable to start container process'); // sync step 1 of an exec
}

// The sealed copy of tsrunc-init, made once per process and binary: an in-process caller starts
// many containers, and the copy (1.6 MB through sendfile) cost ~1 ms each. Reusing it is as safe
// as a fresh one: the seals (write, grow, shrink, seal) are on the file itself, so no process -
// a container holding /proc/<pid>/exe of an earlier helper included - can ever change it. It is
// close-on-exec, so no helper keeps it; numbered high, so that it stays above the spawn's slots
// (a launch with more slots than that gets a fresh copy of its own). A rebuilt binary (another
// inode, size or mtime) gets a new copy.
const CACHED_FD_FLOOR = 64;
let sealed: { key: string; fd: number } | undefined;

function sealedInit(): number {
  const file = initHelperPath();
  const st = fs.statSync(file);
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  if (sealed?.key !== key) {
    if (sealed) fs.closeSync(sealed.fd);
    sealed = undefined;
    sealed = { key, fd: addon().sealedExecutable(file, CACHED_FD_FLOOR) };
  }
  return sealed.fd;
}

function launchHelper(first: ToInit, options: LaunchOptions, failurePrefix?: string): Launched {
  const preserved = Array.from({ length: options.preserveFds }, (_, i) => 3 + i);
  const syncFd = 3 + options.preserveFds;
  const env: NodeJS.ProcessEnv = { TSRUNC_SYNC_FD: String(syncFd) };
  const stdio: (number | 'pipe' | 'ignore')[] = [...(options.stdio ?? [0, 1, 2]), ...preserved, 'pipe'];
  // Further fds follow the sync socket; tsrunc-init closes everything after the last of them.
  const extra = [['TSRUNC_FIFO_FD', options.fifoFd], ['TSRUNC_CGROUP_FD', options.cgroupFd], ['TSRUNC_CONSOLE_FD', options.consoleFd]] as const;
  for (const [name, fd] of extra) {
    if (fd === undefined || fd < 0) continue;
    env[name] = String(stdio.length);
    stdio.push(fd);
  }
  // Node creates process.stdout/stderr lazily and, on a pipe, sets O_NONBLOCK on the file
  // description it shares with the container; any net.Socket's destroy (the sync socket's)
  // touches process.stderr. tsrunc-init clears O_NONBLOCK on its stdio when it starts, so
  // both streams must exist before it does, or the container would inherit a non-blocking pipe.
  void process.stdout;
  void process.stderr;
  // Numbered above every slot: the spawn dup2()s the slots into place before it executes this fd.
  const cached = sealedInit();
  const exe = cached >= stdio.length ? cached : addon().sealedExecutable(initHelperPath(), stdio.length);
  let helper: ChildProcess;
  try {
    helper = spawn(`/proc/self/fd/${exe}`, [], { argv0: 'tsrunc-init', env, stdio });
  } finally {
    if (exe !== cached) fs.closeSync(exe);
  }
  const sync = new SyncChannel(helper.stdio[syncFd] as Socket, failurePrefix);
  // The exec itself can fail (reported after spawn() returned): the waiting step says why.
  helper.on('error', (e) => sync.abort(new TsruncError('SYSTEM', `cannot start tsrunc-init: ${e.message}`, { cause: e })));
  sync.send(first);
  return { helper, sync };
}
