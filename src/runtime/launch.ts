// Starts tsrunc-init for one plan and sends it sync step 1. The helper runs from a sealed memfd
// copy (CVE-2019-5736) and gets exactly the fds native/init/sync.h lists: 0-2 (stdio), 3..3+N-1
// (--preserve-fds), then the sync socket, the exec FIFO and the cgroup directory. Node opens
// everything else close-on-exec, and the init marks every other fd close-on-exec again before it
// execs the container process (CVE-2024-21626).
//
// The addon spawns it (posix_spawn) and its exit is seen on a pidfd: neither child_process nor
// net and streams are loaded for it, which was ~8 ms of CPU per create (bench/RESULTS.md).
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';

import { TsruncError } from '../errors';
import { addon, initHelperPath } from '../native/addon';
import type { ExecPlan } from '../plan/exec';
import type { Plan } from '../plan/types';
import { keepStdioBlocking } from './stdio-blocking';
import { SyncChannel, type ToInit } from './sync-channel';
import { INIT_ENV } from '../generated/contract';
import type { Zygote } from './zygote';

// zygote.ts, loaded only by in-process callers (the CLI spawns its one helper itself).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zygoteModule = () => require('./zygote') as typeof import('./zygote');

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
  /**
   * In-process callers: the helper is forked by tsrunc-init's fork server (zygote.ts) instead of
   * spawned, and the launch resolves once it exists; the event loop goes on meanwhile.
   */
  forked?: boolean;
}

/** tsrunc-init's first process, as the verbs use it: its pid, stdio pipes and exit. */
export interface HelperProcess {
  pid: number;
  /** The ends of 'pipe' stdio slots (null for the others). */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** 'exit' once it has exited and is reaped: its exit code, or the signal number that killed it. */
  on(event: 'exit', listener: (code: number | null, signal: number | null) => void): this;
}

/**
 * The helper's exit status once it has exited, as a shell (and runc's CLI) reports it: its exit
 * code, or 128+N when signal N killed it (the helper itself, not the process it waited for).
 */
export function helperExitStatus(helper: HelperProcess): Promise<number> {
  return new Promise<number>((resolve) => helper.on('exit', (code, signal) => resolve(code ?? (signal !== null ? 128 + signal : 1))));
}

export interface Launched {
  helper: HelperProcess;
  sync: SyncChannel;
}

/** The helper's exit, seen on its pidfd (readable once it exits) and reaped there. */
class Helper extends EventEmitter implements HelperProcess {
  stdin: Writable | null = null;
  stdout: Readable | null = null;
  stderr: Readable | null = null;
  private readonly watch: { close(): void };

  constructor(readonly pid: number, private readonly pidfd: number) {
    super();
    this.watch = addon().watchReadable(pidfd, () => this.onReadable());
  }

  private onReadable(): void {
    const status = addon().reapPidfd(this.pidfd);
    if (!status) return;
    this.watch.close();
    fs.closeSync(this.pidfd);
    this.emit('exit', status.code, status.signal);
  }
}

/** Launched; a promise of it when `forked`. */
export function launchInit(plan: Plan, options: LaunchOptions): Launched | Promise<Launched> {
  return launchHelper({ type: 'launch', plan, wait: options.wait, preserveFds: options.preserveFds }, options); // sync step 1
}

/** tsrunc-init's exec mode: one more process in a running container (native/init/exec.h). */
/** `state`: the container's state JSON, for the seccomp agent of a SCMP_ACT_NOTIFY filter. */
export function launchExec(plan: ExecPlan, state: string, options: Omit<LaunchOptions, 'fifoFd' | 'cgroupFd' | 'forked'>): Launched {
  return launchHelper({ type: 'exec', exec: plan, wait: options.wait, preserveFds: options.preserveFds, state }, options, 'unable to start container process') as Launched; // sync step 1 of an exec
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

// The fork server of the current sealed copy (in-process callers), started on first use.
let zygote: { key: string; server: Zygote } | undefined;

function theZygote(): Zygote {
  const exe = `/proc/self/fd/${sealedInit()}`;
  const key = sealed!.key;
  if (zygote?.key === key && zygote.server.alive) return zygote.server;
  zygote?.server.end();
  zygote = { key, server: zygoteModule().Zygote.start(exe) };
  return zygote.server;
}

/**
 * --preserve-fds (with systemd's LISTEN_FDS): fds 3 .. 3+N-1 of this process, so N is bounded by
 * what a process can hold and the last of them must be open. (A LISTEN_FDS of 4e20 once had
 * create build a list of that many fds until it was killed.)
 */
function checkPreservedFds(n: number): void {
  if (n === 0) return;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_FDS) {
    throw new TsruncError('INVALID_ARGUMENT', `--preserve-fds (with LISTEN_FDS): ${n} is not a number of fds a process can hold (0 to ${MAX_FDS})`);
  }
  try {
    fs.fstatSync(2 + n);
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--preserve-fds (with LISTEN_FDS) ${n}: fd ${2 + n} is not open`, { cause: e });
  }
}

// The kernel's ceiling on open files per process (fs.nr_open's maximum).
const MAX_FDS = 1 << 20;

function launchHelper(first: ToInit, options: LaunchOptions, failurePrefix?: string): Launched | Promise<Launched> {
  const a = addon();
  // fd i of the helper is slots[i]; -1 = /dev/null. Every fd made here is close-on-exec.
  const slots: number[] = [];
  const ours: number[] = []; // this side's end of each 'pipe' slot (-1: none)
  const theirs: number[] = []; // the child's ends, closed here once it has them
  for (const s of options.stdio ?? [0, 1, 2]) {
    if (s === 'pipe') {
      const [mine, child] = a.socketpair(); // as child_process makes a 'pipe' slot
      ours.push(mine);
      theirs.push(child);
      slots.push(child);
    } else {
      ours.push(-1);
      slots.push(s === 'ignore' ? -1 : s);
    }
  }
  checkPreservedFds(options.preserveFds);
  for (let i = 0; i < options.preserveFds; i++) slots.push(3 + i);
  const syncFd = slots.length;
  const [syncOurs, syncTheirs] = a.socketpair();
  theirs.push(syncTheirs);
  slots.push(syncTheirs);
  const env = [`${INIT_ENV.syncFd}=${syncFd}`];
  // Further fds follow the sync socket; tsrunc-init closes everything after the last of them.
  const extra = [[INIT_ENV.fifoFd, options.fifoFd], [INIT_ENV.cgroupFd, options.cgroupFd], [INIT_ENV.consoleFd, options.consoleFd]] as const;
  for (const [name, fd] of extra) {
    if (fd === undefined || fd < 0) continue;
    env.push(`${name}=${slots.length}`);
    slots.push(fd);
  }
  // The container shares fds 1 and 2 with this process: Node's streams on them must not leave
  // them non-blocking (stdio-blocking.ts).
  keepStdioBlocking();
  const failed = (e: unknown): never => {
    for (const fd of [...ours, syncOurs]) if (fd >= 0) fs.closeSync(fd);
    throw new TsruncError('SYSTEM', `cannot start tsrunc-init: ${(e as Error).message}`, { cause: e });
  };
  const launched = (spawned: { pid: number; pidfd: number }): Launched => {
    const helper = new Helper(spawned.pid, spawned.pidfd);
    if (ours.some((fd) => fd >= 0)) {
      // Streams only for an API caller's pipes: the CLI never loads net.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const net = require('node:net') as typeof import('node:net');
      const stream = (i: number) => (ours[i] >= 0 ? new net.Socket({ fd: ours[i], readable: i !== 0, writable: i === 0 }) : null);
      helper.stdin = stream(0);
      helper.stdout = stream(1);
      helper.stderr = stream(2);
    }
    const sync = new SyncChannel(syncOurs, failurePrefix);
    sync.send(first);
    return { helper, sync };
  };
  if (options.forked && slots.length <= zygoteModule().ZYGOTE_MAX_FDS) {
    // No exec per container (zygote.ts). A server that went away since the last container
    // (killed) could not take the request, so nothing was forked: a new one is asked, once.
    let pending: Promise<{ pid: number; pidfd: number }>;
    try {
      try {
        pending = theZygote().spawn(slots, env);
      } catch (first) {
        try {
          pending = theZygote().spawn(slots, env);
        } catch (second) {
          // Both causes: why the old server was gone, and why a new one could not take it either.
          throw new AggregateError([first, second], `${(second as Error).message} (before it: ${(first as Error).message})`);
        }
      }
    } catch (e) {
      return failed(e);
    } finally {
      for (const fd of theirs) fs.closeSync(fd); // they travelled with the request
    }
    return pending.then(launched, failed);
  }
  let spawned: { pid: number; pidfd: number };
  try {
    // Numbered above every slot: the spawn dup2()s the slots into place before it executes this fd.
    const cached = sealedInit();
    const exe = cached >= slots.length ? cached : a.sealedExecutable(initHelperPath(), slots.length);
    try {
      spawned = a.spawnHelper(`/proc/self/fd/${exe}`, slots, env, 'tsrunc-init');
    } finally {
      if (exe !== cached) fs.closeSync(exe);
    }
  } catch (e) {
    return failed(e);
  } finally {
    for (const fd of theirs) fs.closeSync(fd);
  }
  return launched(spawned);
}
