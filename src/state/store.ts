// The state directory of one container: <root>/<id>/
//   state.json  what `state` reports plus what tsrunc needs later (pid start time, config)
//   exec.fifo   exists while the container is "created"; `start` opens it to release the init
//   lock        flock()ed by every command that reads or changes the container
import * as fs from 'node:fs';
import * as path from 'node:path';

import { systemError, TsruncError } from '../errors';
import type { CgroupRecord } from '../cgroups/driver';
import type { Spec } from '../generated/config';
import { parseJson64, stringifyJson64 } from '../spec/json64';
import { addon } from '../native/addon';
import { detachMountsUnder } from './mounts-under';

export interface StoredState {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init. */
  pid: number;
  /** Start time of that pid (/proc/<pid>/stat field 22): tells a live container from a reused pid. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339 creation time. */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  /** The config as it was at create time (later commands must not re-read a changed bundle). */
  config: Spec;
  /** The container's cgroup, when it has one. */
  cgroup?: CgroupRecord;
}

const STATE_FILE = 'state.json';
const FIFO_FILE = 'exec.fifo';
const LOCK_FILE = 'lock';

export class ContainerDir {
  readonly dir: string;
  private lockFd = -1;

  constructor(readonly root: string, readonly id: string) {
    this.dir = path.join(root, id);
  }

  get fifoPath(): string {
    return path.join(this.dir, FIFO_FILE);
  }

  /** Claims the id: fails if a container with it exists. Leaves the directory locked. */
  static create(root: string, id: string): ContainerDir {
    try {
      fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    } catch (e) {
      throw systemError(`cannot create state directory ${root}`, e);
    }
    const c = new ContainerDir(root, id);
    for (;;) {
      try {
        fs.mkdirSync(c.dir, { mode: 0o711 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new TsruncError('CONTAINER_EXISTS', `container with id exists: ${id}`);
        }
        throw systemError(`cannot create state directory ${c.dir}`, e);
      }
      try {
        c.lock();
      } catch (e) {
        // Between our mkdir and our lock, a `delete --force` took the directory for what a
        // killed create leaves (no state file) and removed it: claim the id again.
        if (e instanceof TsruncError && e.code === 'CONTAINER_NOT_FOUND') continue;
        // Nothing to lock with (e.g. the addon failed to load): give the id back.
        fs.rmSync(c.dir, { recursive: true, force: true });
        throw e;
      }
      // The directory we locked may be another create's (ours was removed, and it made the id's
      // again): if that one got the lock first and finished, the id is taken.
      if (fs.existsSync(path.join(c.dir, STATE_FILE))) {
        c.unlock();
        throw new TsruncError('CONTAINER_EXISTS', `container with id exists: ${id}`);
      }
      return c;
    }
  }

  /**
   * Opens and locks an existing container; CONTAINER_NOT_FOUND if there is none. `reader`: a verb
   * that only reads the state and signals (state, kill, pids) - when an async verb of this very
   * process holds the lock (awaiting, say, start's exec), it goes on without it, as it would after
   * that verb: the state file is replaced atomically, and a signal goes to a pid only if its start
   * time is the recorded one. A user who saw the process run (its output) may kill it at once.
   */
  static open(root: string, id: string, options: { reader?: boolean } = {}): ContainerDir {
    const c = new ContainerDir(root, id);
    if (!(options.reader && ContainerDir.heldHere.has(c.dir))) c.lock();
    // Another command may have deleted it while we waited for the lock.
    if (!fs.existsSync(path.join(c.dir, STATE_FILE))) {
      c.unlock();
      throw new TsruncError('CONTAINER_NOT_FOUND', `container ${id} does not exist`);
    }
    return c;
  }

  /** Removes the directory of a container whose create died before it saved any state. */
  static removeStale(root: string, id: string): void {
    const c = new ContainerDir(root, id);
    if (!fs.existsSync(c.dir)) return;
    try {
      c.lock();
    } catch (e) {
      // Removed by someone else between the check and the lock: nothing left to clear.
      if (e instanceof TsruncError && e.code === 'CONTAINER_NOT_FOUND') return;
      throw e;
    }
    if (!fs.existsSync(path.join(c.dir, STATE_FILE))) c.remove();
    c.unlock();
  }

  /**
   * Containers whose lock this process holds. flock() would block for good on a lock this very
   * process holds through another open file: an in-process caller whose async verb (create,
   * start, delete) awaits with the lock held, and who meanwhile calls another verb on the same
   * container, gets a clear error instead of a hung process.
   */
  private static readonly heldHere = new Set<string>();

  /**
   * Takes the container's lock. The lock file lives in the directory `delete` removes, so the
   * file a waiter finally locks may no longer be the one at the path (the container was deleted,
   * and maybe created again, meanwhile): the lock counts only once the file held is still the
   * one at the path; otherwise the waiter tries again on the new one, or finds no container.
   */
  private lock(): void {
    const file = path.join(this.dir, LOCK_FILE);
    if (ContainerDir.heldHere.has(this.dir)) {
      throw new TsruncError('INVALID_STATE', `container ${this.id} is busy: another operation of this process on it has not finished`);
    }
    for (;;) {
      try {
        this.lockFd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new TsruncError('CONTAINER_NOT_FOUND', `container ${this.id} does not exist`);
        }
        throw systemError(`cannot open lock file ${file}`, e);
      }
      try {
        addon().flock(this.lockFd, true, true);
      } catch (e) {
        this.unlock();
        throw systemError(`cannot lock ${file}`, e);
      }
      const held = fs.fstatSync(this.lockFd);
      const now = fs.statSync(file, { throwIfNoEntry: false });
      if (now && now.ino === held.ino && now.dev === held.dev) break;
      this.unlock();
      if (!now) throw new TsruncError('CONTAINER_NOT_FOUND', `container ${this.id} does not exist`);
    }
    ContainerDir.heldHere.add(this.dir);
  }

  unlock(): void {
    if (this.lockFd >= 0) {
      fs.closeSync(this.lockFd);
      ContainerDir.heldHere.delete(this.dir);
    }
    this.lockFd = -1;
  }

  read(): StoredState {
    const file = path.join(this.dir, STATE_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw systemError(`cannot read state file ${file}`, e);
    }
    try {
      // Lossless: the stored config keeps exact 64-bit integers (see spec/load.ts).
      return parseJson64(text) as StoredState;
    } catch (e) {
      throw systemError(`state file ${file} is corrupt`, e);
    }
  }

  /** Atomic: a reader sees the old file or the new one, never half of one. */
  write(state: StoredState): void {
    writeFileAtomic(path.join(this.dir, STATE_FILE), stringifyJson64(state));
  }

  /**
   * remove(), then the lock's fd closed on the thread pool: the lock file is unlinked by then, and
   * its last close frees the inode in the file system's journal (~0.7 ms on ext4 here), which an
   * in-process caller's other containers need not wait for.
   */
  async removeAsync(): Promise<void> {
    const fd = this.lockFd;
    this.lockFd = -1; // remove() leaves it open
    try {
      this.remove();
    } finally {
      if (fd >= 0) {
        await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
        ContainerDir.heldHere.delete(this.dir);
      }
    }
  }

  /**
   * Removes the state directory. It only ever holds tsrunc's own files, but a mount another tool
   * put under it is detached first: a recursive remove never goes through a live mount.
   */
  remove(): void {
    try {
      detachMountsUnder(this.dir);
      // The state file first: whoever gets the lock after us finds no container (see lock()).
      fs.rmSync(path.join(this.dir, STATE_FILE), { force: true });
      // A command that opens the lock meanwhile creates the lock file again (O_CREAT), and the
      // last rmdir fails with ENOTEMPTY: remove what it made, and try again.
      for (let attempt = 1; ; attempt++) {
        try {
          fs.rmSync(this.dir, { recursive: true, force: true });
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt >= 100) throw e;
        }
      }
    } catch (e) {
      throw systemError(`cannot remove state directory ${this.dir}`, e);
    } finally {
      this.unlock();
    }
  }
}

/** Ids of every container under `root` (directories holding a state file). */
export function listIds(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (e) {
    // No root yet: no container was ever created there.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemError(`cannot list state directory ${root}`, e);
  }
  return names.filter((n) => fs.existsSync(path.join(root, n, STATE_FILE))).sort();
}

/** Writes `file` through a temporary file and rename(): readers never see half of it. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw systemError(`cannot write ${file}`, e);
  }
}
