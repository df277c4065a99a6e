// The state directory of one container: <root>/<id>/
//   state.json  what `state` reports plus what tsrunc needs later (pid start time, config)
//   exec.fifo   exists while the container is "created"; `start` opens it to release the init
//   lock        flock()ed by every command that reads or changes the container
// and <root> itself, its directory flock()ed while an id is claimed (see ContainerDir.create).
//
// Crash consistency: tsrunc may be SIGKILLed at any instant, so the store never holds anything
// `delete --force` could not clean up from. state.json is replaced atomically (temp + rename;
// no fsync, see write()); `create` publishes the directory with a "creating" record (pid 0) that already names
// the cgroups it is about to make, before anything else exists, and replaces it with the full
// record the moment the init's pid is known. A state file that is torn, empty or not tsrunc's
// is reported as STATE_CORRUPT and never trusted: `delete --force` removes it, `list` shows it
// as stopped.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { crashPoint } from '../crash-point';
import { systemError, TsruncError } from '../errors';
import type { CgroupRecord } from '../cgroups/record';
import type { Spec } from '../generated/config';
import { parseJson64, stringifyJson64 } from '../spec/json64';
import { addon } from '../native/addon';
import type { HostMountRecord } from './host-mounts';
import { detachMountsUnder } from './mounts-under';
import { removeFile, removeTree } from './remove-tree';
import { runBlocking, type Steps } from '../process/waits';

export interface StoredState {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init; 0 in the "creating" record written before the init exists. */
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
  /**
   * The container's cgroup, when it has one. In the "creating" record: the cgroups create is about
   * to make (`created`/`made` name only those that did not exist yet), so a create killed half-way
   * leaves nothing `delete --force` does not know of.
   */
  cgroup?: CgroupRecord;
  /** A container without a mount namespace of its own: the bind holding its mounts in the host's (host-mounts.ts). */
  hostMounts?: HostMountRecord;
}

const STATE_FILE = 'state.json';
const FIFO_FILE = 'exec.fifo';
const LOCK_FILE = 'lock';
/** Opens and flock()s `file` (created if missing); returns the fd. ENOENT passes through as is. */
function lockFile(file: string, exclusive: boolean): number {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    addon().flock(fd, exclusive, true);
  } catch (e) {
    fs.closeSync(fd);
    throw systemError(`cannot lock ${file}`, e);
  }
  return fd;
}

/**
 * Runs `fn` holding the lock of the root directory itself (flock works on a directory's fd, so no
 * lock file is left in the root: clients expect an empty root once their containers are gone).
 * Claiming an id (mkdir, lock, creating record) happens under it exclusively, so a state directory
 * without a state file seen under it is debris of a crash, never a create half-way through its claim.
 */
function underRootLock<T>(root: string, exclusive: boolean, fn: () => T): T {
  let fd: number;
  try {
    fd = fs.openSync(root, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch (e) {
    throw systemError(`cannot open state directory ${root}`, e);
  }
  try {
    addon().flock(fd, exclusive, true);
  } catch (e) {
    fs.closeSync(fd);
    throw systemError(`cannot lock state directory ${root}`, e);
  }
  try {
    return fn();
  } finally {
    fs.closeSync(fd);
  }
}

export class ContainerDir {
  readonly dir: string;
  private lockFd = -1;

  constructor(readonly root: string, readonly id: string) {
    this.dir = path.join(root, id);
  }

  get fifoPath(): string {
    return path.join(this.dir, FIFO_FILE);
  }

  private get stateFile(): string {
    return path.join(this.dir, STATE_FILE);
  }

  /**
   * Claims the id: fails if a container with it exists. Publishes the directory holding `creating`
   * (the record delete --force needs if this process dies now) and leaves it locked.
   */
  static create(root: string, id: string, creating: StoredState): ContainerDir {
    try {
      // 0700 as runc's root: the ids, bundles and pids of every container are nobody else's business.
      fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw systemError(`cannot create state directory ${root}`, e);
    }
    const c = new ContainerDir(root, id);
    underRootLock(root, true, () => {
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
        c.write(creating);
      } catch (e) {
        // Nothing to lock with (e.g. the addon failed to load), or no room for the record: give the id back.
        removeTree(c.dir);
        c.unlock();
        throw e;
      }
    });
    crashPoint('create:claimed');
    return c;
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
    if (!fs.existsSync(c.stateFile)) {
      c.unlock();
      throw new TsruncError('CONTAINER_NOT_FOUND', `container ${id} does not exist`);
    }
    return c;
  }

  /**
   * Removes the directory of `id` if it holds no state file: what a crash leaves in the instant
   * between claiming the id and writing the creating record, or half-way through a delete.
   * Returns false when the directory has a state file (after all): the caller opens it normally.
   */
  static removeStale(root: string, id: string): boolean {
    const c = new ContainerDir(root, id);
    if (!fs.existsSync(c.dir)) return true;
    return underRootLock(root, true, () => {
      if (!fs.existsSync(c.dir)) return true;
      if (fs.existsSync(c.stateFile)) return false;
      try {
        c.lock(); // a delete may be removing it right now: wait for it
      } catch (e) {
        if (e instanceof TsruncError && e.code === 'CONTAINER_NOT_FOUND') return true;
        throw e;
      }
      if (fs.existsSync(c.stateFile)) {
        c.unlock();
        return false;
      }
      c.remove();
      return true;
    });
  }

  /**
   * True when `id`'s directory is debris: no state file, no create claiming it right now, and no
   * command holding its lock (a delete between removing the state file and the directory: that
   * container is on its way out, not left behind).
   */
  static isStale(root: string, id: string): boolean {
    const c = new ContainerDir(root, id);
    if (fs.existsSync(c.stateFile)) return false;
    try {
      return underRootLock(root, false, () => fs.existsSync(c.dir) && !fs.existsSync(c.stateFile) && !c.lockedElsewhere());
    } catch {
      return false; // the root went away: nothing there
    }
  }

  /** Whether another command holds this container's lock now (never waits; never creates the file). */
  private lockedElsewhere(): boolean {
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.dir, LOCK_FILE), fs.constants.O_RDWR);
    } catch {
      return false; // no lock file: nobody can hold it
    }
    try {
      return !addon().flock(fd, true, false);
    } finally {
      fs.closeSync(fd); // closing drops the lock if we took it
    }
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
        this.lockFd = lockFile(file, true);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new TsruncError('CONTAINER_NOT_FOUND', `container ${this.id} does not exist`);
        }
        throw e instanceof TsruncError ? e : systemError(`cannot open lock file ${file}`, e);
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

  /** The stored state; STATE_CORRUPT if the file is torn, empty or not a tsrunc state of this id. */
  read(): StoredState {
    const file = this.stateFile;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw systemError(`cannot read state file ${file}`, e);
    }
    let value: unknown;
    try {
      // Lossless: the stored config keeps exact 64-bit integers (see spec/load.ts).
      value = parseJson64(text);
    } catch (e) {
      throw corrupt(file, text.length === 0 ? 'it is empty' : `it is not JSON (${(e as Error).message})`, e);
    }
    const problem = stateProblem(value, this.id);
    if (problem) throw corrupt(file, problem);
    return value as StoredState;
  }

  /**
   * Atomic: a reader, or a tsrunc killed at any instant, sees the old file or the new one (the page
   * cache outlives a killed process). Not fsync()ed: only a power loss or kernel crash could lose
   * an unsynced write, and that ends every process a record describes; the torn or empty file it
   * may leave is recognised as corrupt (read()) and cleared by `delete --force`. An fsync costs
   * 6-15 ms on this host's ext4 /run, twice per create.
   */
  write(state: StoredState): void {
    writeFileAtomic(this.stateFile, stringifyJson64(state));
  }

  /**
   * Removes the state directory (steps for a Waits driver; remove() runs them here). It only ever holds tsrunc's own files, but a mount another tool
   * put under it is detached first: a recursive remove never goes through a live mount.
   * The state file goes first: whoever gets the lock after us finds no container (see lock()), and
   * a crash half-way leaves a directory without one, which `delete --force` (removeStale) clears
   * and `list` reports as stopped.
   */
  *removal(): Steps<void> {
    const fd = this.lockFd;
    this.lockFd = -1; // closed last, below
    try {
      removeFile(this.stateFile);
      crashPoint('delete:state');
      detachMountsUnder(this.dir);
      // A command that opens the lock meanwhile creates the lock file again (O_CREAT), and the
      // last rmdir fails with ENOTEMPTY: remove what it made, and try again.
      for (let attempt = 1; ; attempt++) {
        try {
          removeTree(this.dir);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt >= 100) throw e;
        }
      }
    } catch (e) {
      throw systemError(`cannot remove state directory ${this.dir}`, e);
    } finally {
      // The lock file is unlinked by now: its last close frees the inode in the file system's
      // journal (~0.7 ms on ext4 here), which the event-loop driver does on the thread pool.
      if (fd >= 0) {
        try {
          yield { op: 'close', fd };
        } finally {
          ContainerDir.heldHere.delete(this.dir);
        }
      }
    }
  }

  /** removal() on this thread, for synchronous callers. */
  remove(): void {
    runBlocking(this.removal());
  }
}

function corrupt(file: string, why: string, cause?: unknown): TsruncError {
  return new TsruncError('STATE_CORRUPT', `state file ${file} is corrupt: ${why}; \`delete --force\` removes it`, { cause });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A path tsrunc may rmdir or write to: absolute, normalised, no "..". */
const isCleanAbsolute = (p: unknown): boolean => typeof p === 'string' && path.isAbsolute(p) && path.normalize(p) === p && !p.split('/').includes('..');

/** Why `v` is not a state file tsrunc wrote for container `id` (undefined: it is one). */
export function stateProblem(v: unknown, id: string): string | undefined {
  if (!isObject(v)) return 'it is not a JSON object';
  if (v.id !== id) return `it names container ${JSON.stringify(v.id)}`;
  for (const key of ['ociVersion', 'pidStartTime', 'bundle', 'rootfs', 'created', 'owner'] as const) {
    if (typeof v[key] !== 'string') return `"${key}" is not a string`;
  }
  if (!Number.isSafeInteger(v.pid) || (v.pid as number) < 0) return '"pid" is not a pid';
  if ((v.pid as number) > 0 && v.pidStartTime === '') return '"pid" has no start time';
  if (!isObject(v.annotations)) return '"annotations" is not an object';
  if (!isObject(v.config)) return '"config" is not an object';
  if (v.cgroup !== undefined) {
    const c = v.cgroup;
    if (!isObject(c) || !isCleanAbsolute(c.dir) || typeof c.created !== 'boolean') return '"cgroup" is not a cgroup record';
    if (c.v1 !== undefined) {
      const v1 = c.v1;
      if (!isObject(v1) || !isObject(v1.dirs) || !Array.isArray(v1.made)) return '"cgroup.v1" is not a cgroup record';
      const dirs = Object.values(v1.dirs);
      if (!dirs.every(isCleanAbsolute) || !v1.made.every((d) => dirs.includes(d))) return '"cgroup.v1" names a path that is not a cgroup of it';
    }
    if (c.systemd !== undefined) {
      // The unit name reaches systemd's StopUnit: only a unit name systemd itself would accept.
      const u = c.systemd;
      if (!isObject(u) || typeof u.unit !== 'string' || !/^[A-Za-z0-9:_.\\-]+\.(scope|slice)$/.test(u.unit) ||
        typeof u.slice !== 'string' || !/^[A-Za-z0-9:_.\\-]+\.slice$/.test(u.slice) || (u.bus !== 'system' && u.bus !== 'user')) {
        return '"cgroup.systemd" is not a systemd unit record';
      }
    }
  }
  return undefined;
}

export type ListEntry = { id: string; stale: boolean };

/**
 * Every container directory under `root`: those with a state file, and (stale: true) debris a
 * crash left without one, so `list` shows it and `delete --force` can be pointed at it.
 */
export function listEntries(root: string): ListEntry[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(root, { withFileTypes: true });
  } catch (e) {
    // No root yet: no container was ever created there.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw systemError(`cannot list state directory ${root}`, e);
  }
  const out: ListEntry[] = [];
  for (const d of names) {
    // Ids never start with a dot (id.ts): temp files are not containers.
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    if (fs.existsSync(path.join(root, d.name, STATE_FILE))) out.push({ id: d.name, stale: false });
    else if (ContainerDir.isStale(root, d.name)) out.push({ id: d.name, stale: true });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Writes `file` through a temporary file and rename(): readers never see half of it. The temporary
 * file is created next to `file` with O_CREAT|O_EXCL|O_NOFOLLOW: a pid file lives in a directory of
 * the caller's, where someone may have planted a symlink (or a file) at the name we pick, and
 * O_EXCL never opens, follows or truncates anything that exists. Such a name is skipped for
 * another (runc opens its temp file with O_EXCL too); rename() replaces a link at `file` itself,
 * never what it points to.
 */
export function writeFileAtomic(file: string, text: string): void {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = `${file}.${process.pid}.${attempt === 0 ? '' : `${process.hrtime.bigint().toString(36)}.`}tmp`;
    try {
      fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) throw systemError(`cannot write ${file}`, e);
    }
  }
  try {
    try {
      fs.writeSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
    crashPoint('state:temp');
    fs.renameSync(tmp, file);
  } catch (e) {
    removeFile(tmp);
    throw systemError(`cannot write ${file}`, e);
  }
}
