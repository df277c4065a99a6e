// Loads the native parts: the addon (tsrunc.node) and the path of the init helper
// (tsrunc-init). Loaded lazily: commands that need neither (state, list, spec) never pay for it.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';

/**
 * The raw addon surface (native/addon/addon.cc). Every function throws TsruncError (code
 * 'SYSTEM', the OS error's name in `errno`, the call in `syscall`).
 */
export interface Addon {
  /** Once, at load: the class native code throws (native/addon/errors.h). */
  setErrorClass(errorClass: typeof TsruncError): void;
  /** Copies an executable into a sealed memfd; returns the fd (close-on-exec), >= lowestFd. */
  sealedExecutable(path: string, lowestFd: number): number;
  /** flock(2); false when `wait` is false and the lock is held elsewhere. */
  flock(fd: number, exclusive: boolean, wait: boolean): boolean;
  mkfifo(path: string, mode: number): void;
  /** Clears O_NONBLOCK on fd. */
  setBlocking(fd: number): void;
  /** The user's name from the password database (getpwuid_r); null when it has none. */
  userName(uid: number): string | null;
  /** Loads a BPF_PROG_TYPE_CGROUP_DEVICE program and makes it the cgroup's only device filter. */
  attachDeviceFilter(cgroupDir: string, program: Buffer, license: string): void;
  /** A non-blocking, close-on-exec eventfd (cgroup v1 notifications, v1/oom.ts). */
  eventfd(): number;
  // fdpass.cc: fds over unix sockets and terminal ioctls (console socket, terminal proxy)
  /** A connected AF_UNIX stream socket (close-on-exec). */
  connectUnix(path: string): number;
  socketpair(): [number, number];
  /** One SCM_RIGHTS message without blocking; null when none is queued. */
  recvFd(socketFd: number): { fd: number; name: string } | null;
  /** Sends `fd` with the payload `name` over a unix socket (SCM_RIGHTS). */
  sendFd(socketFd: number, fd: number, name: string): void;
  openpty(): { master: number; slave: number; name: string };
  setWindowSize(fd: number, rows: number, cols: number): void;
  /** cfmakeraw, as runc's terminal proxy; returns the previous settings. */
  makeRaw(fd: number): Buffer;
  restoreTerminal(fd: number, saved: Buffer): void;
  // zygote.cc: tsrunc-init's fork server (native/init/zygote.h)
  /** A close-on-exec AF_UNIX SOCK_SEQPACKET pair. */
  seqpacketPair(): [number, number];
  /** Asks the zygote for one helper with fd i = slots[i] (-1: /dev/null) and exactly env. */
  zygoteRequest(fd: number, slots: number[], env: string[]): void;
  /** One reply without blocking: null when none is queued; eof once the zygote is gone. */
  zygoteReply(fd: number): null | { pid: number; pidfd: number } | { errno: string; message: string } | { eof: true };
  /**
   * fs_batch.cc: every path's call (write: open without O_CREAT, one write of value, close; rmdir)
   * on the thread pool at once, one callback when all are done: per path null or its errno.
   */
  fsBatch(op: 'write' | 'rmdir', paths: string[], value: string, callback: (results: ({ errno: string; message: string } | null)[]) => void): void;
  // spawn.cc: tsrunc-init started and waited on without child_process
  /** posix_spawn of exe with slots[i] (-1: /dev/null) as fd i, default signals, exactly env. */
  spawnHelper(exe: string, slots: number[], env: string[], argv0: string): { pid: number; pidfd: number };
  /** callback() on the event loop each time fd is readable, until close(); holds the loop open. */
  watchReadable(fd: number, callback: () => void): { close(): void };
  /** waitid(P_PIDFD, WNOHANG) of a child: null while it runs. */
  reapPidfd(pidfd: number): { code: number | null; signal: number | null } | null;
  /** pidfd_open(2), close-on-exec; throws (errno ESRCH) for a pid that is gone. */
  pidfdOpen(pid: number): number;
  /**
   * Blocks until every fd is readable (a pidfd: its process exited), or with `priority` until one
   * reports POLLPRI (cgroup.events changed); false at the deadline.
   */
  waitReadableSync(fds: number[], timeoutMs: number, priority?: boolean): boolean;
  // core.cc: the decisions of native/core, which the native front-end runs too (one implementation)
  /** The recorded process (pid and /proc start time), alive and not a zombie. */
  isSameLiveProcess(pid: number, startTime: string): boolean;
  /** A signal's number from its name ("TERM", "SIGTERM", "sigterm") or number; -1 for neither. */
  parseSignal(text: string): number;
  /** runc's log line (native/core writeLogLine): appended to logPath ('' = stderr); an error with a log also goes to stderr bare. */
  writeLogLine(level: string, msg: string, format: string, logPath: string): void;
  /** A container's status from its init, its exec.fifo and its cgroup record (JSON). */
  containerStatus(pid: number, startTime: string, fifo: string, cgroup?: string): 'created' | 'running' | 'paused' | 'stopped';
  /** Whether the cgroup of a record (JSON) is frozen. */
  cgroupFrozen(cgroup: string): boolean;
  /** /proc/<pid>/stat field 22 (its start time in clock ticks); null when there is no such process. */
  processStartTime(pid: number): string | null;
  /**
   * Signals every process of a cgroup2 directory (SIGKILL through cgroup.kill, else one by one).
   * Throws (with its errno) only a cgroup.kill failure that is not the kernel lacking it.
   */
  cgroupSignalAll(dir: string, signal: number): void;
  // shim.cc: containerd-shim-tsrunc-v2 (src/shim/)
  /** prctl(PR_SET_CHILD_SUBREAPER, 1). */
  setChildSubreaper(): void;
  /** mount(2); fstype and data '' for none. */
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  /** umount2(2); false when nothing is mounted at target. */
  unmount(target: string, flags: number): boolean;
  // layer_fs.cc: image layers (src/layers/) and volume seeds (src/volumes/)
  /** mknod(2); mode carries the type (S_IFCHR, S_IFBLK, S_IFIFO). */
  mknod(path: string, mode: number, major: number, minor: number): void;
  /** lsetxattr(2): never through a symlink at path. */
  lsetxattr(path: string, name: string | Buffer, value: Buffer): void;
  /** lgetxattr(2); null when the attribute is not set. */
  lgetxattr(path: string, name: string | Buffer): Buffer | null;
  /** llistxattr(2): the names' bytes (an image's names need not be UTF-8). */
  llistxattr(path: string): Buffer[];
}

export const BUILD_DIR = path.join(__dirname, '..', '..', 'build', 'native', 'Release');

let loaded: Addon | undefined;

export function addon(): Addon {
  if (!loaded) {
    const file = path.join(BUILD_DIR, 'tsrunc.node');
    try {
      // process.dlopen, not require(): the module loader's resolution around it cost ~0.4 ms, a
      // tenth of what `state` may spend, for a path that is already absolute and final.
      const mod = { exports: {} as Addon };
      process.dlopen(mod, file);
      const raw = mod.exports;
      raw.setErrorClass(TsruncError);
      loaded = raw;
    } catch (e) {
      throw new TsruncError('SYSTEM', `cannot load the tsrunc addon (${file}): ${(e as Error).message}\n` +
        'Build it with `npm run build:native` (needs cmake, g++ and nlohmann-json3-dev).', { cause: e });
    }
  }
  return loaded;
}

export function initHelperPath(): string {
  const file = path.join(BUILD_DIR, 'tsrunc-init');
  if (!fs.existsSync(file)) {
    throw new TsruncError('SYSTEM', `tsrunc-init is missing (${file}): build it with \`npm run build:native\``);
  }
  return file;
}
