// The container handle every verb after create goes through (runc's libcontainer.Container, crun's
// status store): the id checked, the container's lock taken, its state read, its status derived,
// and the lock released however the verb ends - also when the verb is async and ends later. create
// claims a new id instead (ContainerDir.create); the native front-end's verbs have the same
// skeleton in C++ (native/core/verbs.cc openAndRead).
import { TsruncError } from '../errors';
import { validateId } from '../state/id';
import { ContainerDir, type StoredState } from '../state/store';
import { deriveStatus, describe, type ContainerState, type Status } from './status';

/** An open, locked container: what a verb reads and decides from. */
export class Container {
  private state: StoredState | undefined;

  constructor(readonly dir: ContainerDir) {}

  get id(): string {
    return this.dir.id;
  }

  /** The stored state, read once (STATE_CORRUPT when the file is not plainly tsrunc's). */
  get stored(): StoredState {
    return (this.state ??= this.dir.read());
  }

  /** The status now (derived each call, never stored: a process may exit between two calls). */
  status(): Status {
    return deriveStatus(this.dir, this.stored);
  }

  /** What `state` prints. */
  describe(): ContainerState {
    return describe(this.dir, this.stored);
  }
}

export interface OpenOptions {
  /**
   * A verb that only reads the state and signals (state, kill, pids): see ContainerDir.open; it
   * goes on beside an async verb of this very process that holds the lock.
   */
  reader?: boolean;
}

/**
 * Runs `verb` on the open, locked container `id`; CONTAINER_NOT_FOUND if there is none. The lock
 * is held until `verb` returns, or, when it returns a promise, until that settles.
 */
export function withContainer<T>(root: string, id: string, options: OpenOptions, verb: (c: Container) => T): T {
  validateId(id);
  return runLocked(ContainerDir.open(root, id, options), verb);
}

/**
 * withContainer for `delete --force`, which clients call blindly on clean-up paths: a container
 * that is not there is `undefined` (success), and a directory a crash left without a state file is
 * removed on the way.
 */
export function withContainerIfAny<T>(root: string, id: string, verb: (c: Container) => T): T | undefined {
  validateId(id);
  for (;;) {
    let dir: ContainerDir;
    try {
      dir = ContainerDir.open(root, id);
    } catch (e) {
      if (!(e instanceof TsruncError) || e.code !== 'CONTAINER_NOT_FOUND') throw e;
      // removeStale is false if a state file appeared meanwhile (a create claimed the id): open that.
      if (ContainerDir.removeStale(root, id)) return undefined;
      continue;
    }
    return runLocked(dir, verb);
  }
}

function runLocked<T>(dir: ContainerDir, verb: (c: Container) => T): T {
  let result: T;
  try {
    result = verb(new Container(dir));
  } catch (e) {
    dir.unlock();
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => dir.unlock()) as T;
  dir.unlock();
  return result;
}
