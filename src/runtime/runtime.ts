// The typed, in-process API: `import { Runtime } from 'tsrunc'`. The CLI is a thin layer over
// this class; nothing here prints or exits.
import { asTsruncError, TsruncError } from '../errors';
import { defaultRoot } from '../rootless';
import type { LinuxResources, Spec } from '../generated/config';
import { silentLogger, type Logger } from '../logger';
import { validateId } from '../state/id';
import { listEntries } from '../state/store';
import { waitsFor, type Waits } from '../process/waits';
import { withContainer } from './container';
import type { CreateOptions } from './create';
import type { ContainerEvent } from './events';
import type { Features } from './features';
import type { ExecOptions } from './exec';
import type { ContainerProcess, RunOptions, SpawnOptions } from './run';
import { unreadableState, type ContainerState } from './status';
import type { VersionInfo } from '../version';

// Only what a verb needs is loaded: a CLI process runs one verb, and state/start/kill/delete
// (the verbs clients call most) must not pay for evaluating the config validators, the plan
// compiler, the cgroup drivers or child_process. Every verb's module loads on first use; the
// CLI's per-verb bundles (scripts/build-bundle.js) hold only the entries of this table their verb
// uses, so `state` holds none of them.
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  start: () => require('./start') as typeof import('./start'),
  kill: () => require('./kill') as typeof import('./kill'),
  delete: () => require('./delete') as typeof import('./delete'),
  create: () => require('./create') as typeof import('./create'),
  exec: () => require('./exec') as typeof import('./exec'),
  run: () => require('./run') as typeof import('./run'),
  events: () => require('./events') as typeof import('./events'),
  features: () => require('./features') as typeof import('./features'),
  freeze: () => require('./freeze') as typeof import('./freeze'),
  update: () => require('./update') as typeof import('./update'),
  psTable: () => require('../process/ps-table') as typeof import('../process/ps-table'),
  defaultSpec: () => require('../spec/default-spec') as typeof import('../spec/default-spec'),
  writeConfig: () => require('../spec/write-config') as typeof import('../spec/write-config'),
  version: () => require('../version') as typeof import('../version'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The state root of a root caller; rootless.ts defaultRoot() says which one a caller gets. */
export const DEFAULT_ROOT = '/run/tsrunc';

export interface RuntimeOptions {
  /** Directory holding the state of every container (runc --root). */
  root?: string;
  logger?: Logger;
  /**
   * Wait for a container's init with blocking reads (default false). The CLI sets it: it handles
   * one container, and skips loading `net`. A library caller leaves it: its other containers,
   * timers and I/O go on while one container starts.
   */
  blockingWaits?: boolean;
  /**
   * Create containers with the systemd cgroup driver (runc --systemd-cgroup): linux.cgroupsPath is
   * "slice:prefix:name" and a transient systemd unit owns the cgroup. Later verbs follow the
   * driver each container was created with, whatever this says.
   */
  systemdCgroup?: boolean;
}

export interface SpecOptions {
  /** `docker run -v` style binds, "HOST:CTR[:ro|rw]", appended to the mounts (runc spec --bind). */
  binds?: string[];
  /** Rootless configs are not supported yet: NOT_SUPPORTED. */
  rootless?: boolean;
  /** Also write the config to <bundle>/config.json; INVALID_ARGUMENT if one exists. */
  bundle?: string;
}

export class Runtime {
  readonly root: string;
  private readonly logger: Logger;
  /** How every verb waits (process/waits.ts): the one choice blockingWaits makes. */
  private readonly waits: Waits;
  private readonly systemdCgroup: boolean;

  constructor(options: RuntimeOptions = {}) {
    this.root = options.root ?? defaultRoot();
    this.logger = options.logger ?? silentLogger;
    this.waits = waitsFor(options.blockingWaits ?? false);
    this.systemdCgroup = options.systemdCgroup ?? false;
  }

  /** Builds the container and leaves its process waiting for start(). Resolves with its pid. */
  async create(id: string, options: CreateOptions): Promise<number> {
    return (await lazy.create().create(this.root, id, this.withDriver(options), this.logger, this.waits)).pid;
  }

  private withDriver<T extends CreateOptions>(options: T): T {
    return options.systemdCgroup === undefined && this.systemdCgroup ? { ...options, systemdCgroup: true } : options;
  }

  start(id: string): Promise<void> {
    validateId(id);
    return lazy.start().start(this.root, id, this.logger, this.waits);
  }

  state(id: string): ContainerState {
    return withContainer(this.root, id, { reader: true }, (c) => c.describe());
  }

  /** `signal`: a name ("TERM", "SIGKILL") or a number as a string. */
  kill(id: string, signal = 'SIGTERM', options: { all?: boolean } = {}): void {
    validateId(id);
    lazy.kill().kill(this.root, id, signal, options.all, this.logger);
  }

  delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    return lazy.delete().deleteContainer(this.root, id, options.force ?? false, this.logger, this.waits);
  }

  /** create + start; unless detached, waits and resolves with the exit status. */
  run(id: string, options: RunOptions): Promise<number> {
    return lazy.run().run(this.root, id, this.withDriver(options), this.logger, this.waits);
  }

  /**
   * create + start, handing over the running process: its pid, its stdio (`stdio: ['pipe', ...]`
   * gives streams) and `exited`, a promise of its exit status; the container is deleted once it
   * exits unless `keep`. Nothing is forwarded from this process's signals (run does that).
   */
  spawn(id: string, options: SpawnOptions): Promise<ContainerProcess> {
    return lazy.run().spawnContainer(this.root, id, this.withDriver(options), this.logger, this.waits);
  }

  /**
   * Runs one more process in the running container (runc exec). Unless detached, resolves with its
   * exit status (128+N for signal N); detached, with 0 once it runs.
   */
  exec(id: string, options: ExecOptions): Promise<number> {
    validateId(id);
    return lazy.exec().exec(this.root, id, options, this.logger);
  }

  /** Freezes every process of the container (cgroup.freeze); state reports "paused". */
  pause(id: string): void {
    validateId(id);
    lazy.freeze().setPaused(this.root, id, true);
  }

  resume(id: string): void {
    validateId(id);
    lazy.freeze().setPaused(this.root, id, false);
  }

  /** Host pids of every process in the container. */
  pids(id: string): number[] {
    return withContainer(this.root, id, { reader: true }, (c) =>
      c.status() === 'stopped' && !c.stored.cgroup ? [] : lazy.kill().containerPids(c.stored));
  }

  /** Changes the resource limits of a running container (merged over its config). */
  update(id: string, resources: LinuxResources): void {
    validateId(id);
    lazy.update().update(this.root, id, resources);
  }

  /** One statistics event, as `events --stats` prints it. */
  stats(id: string): ContainerEvent {
    validateId(id);
    return lazy.events().statsEvent(this.root, id);
  }

  /** Streams events (stats every `intervalMs`, oom when it happens) until the container stops. */
  events(id: string, intervalMs: number, emit: (e: ContainerEvent) => void, signal?: AbortSignal): Promise<void> {
    validateId(id);
    return lazy.events().watchEvents(this.root, id, intervalMs, emit, signal);
  }

  /** The host's `ps psArgs` (default -ef) cut down to the container's processes, header kept. */
  ps(id: string, psArgs: string[] = []): string {
    return lazy.psTable().psTable(this.pids(id), psArgs);
  }

  /** The default config.json, as `runc spec` writes it (see spec/default-spec.ts for the differences). */
  spec(options: SpecOptions = {}): Spec {
    const spec = lazy.defaultSpec().defaultSpec({ binds: options.binds, rootless: options.rootless });
    if (options.bundle !== undefined) lazy.writeConfig().writeConfig(options.bundle, spec);
    return spec;
  }

  /** What this runtime supports on this host, in the runtime-spec's features document. */
  features(): Features {
    return lazy.features().features();
  }

  /** This build's version, commit, spec version and libseccomp version (`--version`). */
  version(): VersionInfo {
    return lazy.version().versionInfo();
  }

  /**
   * Every container. One a crash left unreadable (a corrupt state file, a directory without one) is
   * listed as stopped with pid 0, so that `delete --force` can be pointed at it; it never fails the list.
   */
  list(): ContainerState[] {
    const out: ContainerState[] = [];
    for (const { id, stale } of listEntries(this.root)) {
      if (stale) {
        out.push(unreadableState(id));
        continue;
      }
      try {
        out.push(this.state(id));
      } catch (e) {
        // Corrupt: listed, never trusted. Anything else: deleted while we listed.
        if (e instanceof TsruncError && e.code === 'STATE_CORRUPT') {
          this.logger.warn(e.message);
          out.push(unreadableState(id));
        }
      }
    }
    return out;
  }
}

// The library's contract: every error leaving a Runtime method is a TsruncError. The modules name
// the errors they expect (with a code, a path, a pointer); anything else - an OS error nobody
// anticipated, a bug - still arrives as one, code SYSTEM, its message unchanged, the original as
// `cause`.
for (const name of Object.getOwnPropertyNames(Runtime.prototype) as (keyof Runtime)[]) {
  const method = Runtime.prototype[name] as unknown;
  if (name === ('constructor' as string) || typeof method !== 'function') continue;
  Object.defineProperty(Runtime.prototype, name, {
    ...Object.getOwnPropertyDescriptor(Runtime.prototype, name),
    value: function (this: Runtime, ...args: unknown[]): unknown {
      try {
        const result = method.apply(this, args);
        return result instanceof Promise ? result.catch((e) => Promise.reject(asTsruncError(e))) : result;
      } catch (e) {
        throw asTsruncError(e);
      }
    },
  });
}
