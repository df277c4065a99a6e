// The typed, in-process API: `import { Runtime } from 'tsrunc'`. The CLI is a thin layer over
// this class; nothing here prints or exits.
import type { LinuxResources } from '../generated/config';
import { silentLogger, type Logger } from '../logger';
import { validateId } from '../state/id';
import { ContainerDir, listIds } from '../state/store';
import { create, type CreateOptions } from './create';
import { deleteContainer } from './delete';
import { exec, type ExecOptions } from './exec';
import { statsEvent, watchEvents, type ContainerEvent } from './events';
import { setPaused } from './freeze';
import { update } from './update';
import { containerPids, kill } from './kill';
import { run, type RunOptions } from './run';
import { start } from './start';
import { deriveStatus, describe, type ContainerState } from './status';

export const DEFAULT_ROOT = '/run/tsrunc';

export interface RuntimeOptions {
  /** Directory holding the state of every container (runc --root). */
  root?: string;
  logger?: Logger;
}

export class Runtime {
  readonly root: string;
  private readonly logger: Logger;

  constructor(options: RuntimeOptions = {}) {
    this.root = options.root ?? DEFAULT_ROOT;
    this.logger = options.logger ?? silentLogger;
  }

  /** Builds the container and leaves its process waiting for start(). Resolves with its pid. */
  async create(id: string, options: CreateOptions): Promise<number> {
    return (await create(this.root, id, options, this.logger)).pid;
  }

  start(id: string): Promise<void> {
    validateId(id);
    return start(this.root, id, this.logger);
  }

  state(id: string): ContainerState {
    validateId(id);
    const dir = ContainerDir.open(this.root, id);
    try {
      return describe(dir, dir.read());
    } finally {
      dir.unlock();
    }
  }

  /** `signal`: a name ("TERM", "SIGKILL") or a number as a string. */
  kill(id: string, signal = 'SIGTERM', options: { all?: boolean } = {}): void {
    validateId(id);
    kill(this.root, id, signal, options.all);
  }

  delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    return deleteContainer(this.root, id, options.force ?? false, this.logger);
  }

  /** create + start; unless detached, waits and resolves with the exit status. */
  run(id: string, options: RunOptions): Promise<number> {
    return run(this.root, id, options, this.logger);
  }

  /**
   * Runs one more process in the running container (runc exec). Unless detached, resolves with its
   * exit status (128+N for signal N); detached, with 0 once it runs.
   */
  exec(id: string, options: ExecOptions): Promise<number> {
    validateId(id);
    return exec(this.root, id, options, this.logger);
  }

  /** Freezes every process of the container (cgroup.freeze); state reports "paused". */
  pause(id: string): void {
    validateId(id);
    setPaused(this.root, id, true);
  }

  resume(id: string): void {
    validateId(id);
    setPaused(this.root, id, false);
  }

  /** Host pids of every process in the container. */
  pids(id: string): number[] {
    validateId(id);
    const dir = ContainerDir.open(this.root, id);
    try {
      const stored = dir.read();
      return deriveStatus(dir, stored) === 'stopped' && !stored.cgroup ? [] : containerPids(stored);
    } finally {
      dir.unlock();
    }
  }

  /** Changes the resource limits of a running container (merged over its config). */
  update(id: string, resources: LinuxResources): void {
    validateId(id);
    update(this.root, id, resources);
  }

  /** One statistics event, as `events --stats` prints it. */
  stats(id: string): ContainerEvent {
    validateId(id);
    return statsEvent(this.root, id);
  }

  /** Streams events (stats every `intervalMs`, oom when it happens) until the container stops. */
  events(id: string, intervalMs: number, emit: (e: ContainerEvent) => void, signal?: AbortSignal): Promise<void> {
    validateId(id);
    return watchEvents(this.root, id, intervalMs, emit, signal);
  }

  list(): ContainerState[] {
    const out: ContainerState[] = [];
    for (const id of listIds(this.root)) {
      try {
        out.push(this.state(id));
      } catch {
        // deleted while we listed
      }
    }
    return out;
  }
}
