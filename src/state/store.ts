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
      // Nothing to lock with (e.g. the addon failed to load): give the id back.
      fs.rmSync(c.dir, { recursive: true, force: true });
      throw e;
    }
    return c;
  }

  /** Opens and locks an existing container; CONTAINER_NOT_FOUND if there is none. */
  static open(root: string, id: string): ContainerDir {
    const c = new ContainerDir(root, id);
    c.lock();
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

  private lock(): void {
    const file = path.join(this.dir, LOCK_FILE);
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
  }

  unlock(): void {
    if (this.lockFd >= 0) fs.closeSync(this.lockFd);
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
   * Removes the state directory. It only ever holds tsrunc's own files, but a mount another tool
   * put under it is detached first: a recursive remove never goes through a live mount.
   */
  remove(): void {
    try {
      detachMountsUnder(this.dir);
      fs.rmSync(this.dir, { recursive: true, force: true });
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
