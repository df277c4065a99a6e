// create: validate, compile, claim the id, start the init and wait until it is fully set up
// and blocked on the exec FIFO - or failed, in which case nothing is left behind.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { crashPoint } from '../crash-point';
import { utcTimestamp } from '../utc-time';
import { TsruncError, type ConfigProblem } from '../errors';
import type { Logger } from '../logger';
import { addon } from '../native/addon';
import { compilePlan } from '../plan/compile';
import type { Spec } from '../generated/config';
import type { Plan } from '../plan/types';
import { processStartTime } from '../process/proc';
import type { Waits } from '../process/waits';
import { signalRecorded, waitGone } from '../process/wait';
import { loadBundle, loadSpec, type LoadedBundle } from '../spec/load';
import { validateId } from '../state/id';
import { ContainerDir, writeFileAtomic, type StoredState } from '../state/store';
import { OCI_VERSION } from '../version';
import { managerFor, placeInit, plannedRecord, setUpCgroup, warmPlacement, type AnySetup, type CgroupRecord } from '../cgroups/cgroup-manager';
import { planCgroup, warmPlacementEarly } from '../cgroups/plan';
import { cgroupOwner, delegateCgroup } from '../cgroups/delegate';
import { callerCgroups, skipRootlessCgroup } from '../cgroups/rootless';
import { checkPreexistingCgroup } from '../cgroups/preexisting';
import { detectHostCached } from '../cgroups/host';
import { cgroupMountView, hasCgroupNamespace, isCgroupMount, placeCgroupMounts } from '../plan/cgroup-mount';
import { hookState, runHooks } from './hooks';
import { connectConsoleSocket } from './exec';
import { launchInit, type HelperProcess, type Launched } from './launch';
import { consoleRoute } from './terminal';
import { InitExitedError } from './sync-channel';
import { configIdMaps, writeIdMaps } from './id-maps';
import { detachHostMounts, recordHostMounts } from '../state/host-mounts';

/** Where the config comes from: a bundle directory with config.json, or an object. */
export type ConfigSource =
  | { bundle: string; spec?: undefined }
  | {
    /** The config itself: nothing is read from or written to a config.json. */
    spec: Spec;
    /** The root filesystem; replaces spec.root.path. */
    rootfs?: string;
    /** The bundle path the state and hooks report, base of relative paths (default: rootfs's parent, else the cwd). */
    bundle?: string;
  };

/** The init's stdio, which the container process inherits: an fd of this process, 'pipe' or 'ignore'. */
export type StdioSlot = number | 'pipe' | 'ignore';

export type CreateOptions = ConfigSource & {
  pidFile?: string;
  noPivot?: boolean;
  preserveFds?: number;
  /**
   * Socket-activation fds (systemd's LISTEN_FDS) to hand on, as runc does: they come first
   * (fds 3..), the preserved fds after them, and the process gets LISTEN_FDS/LISTEN_PID.
   */
  listenFds?: number;
  /** process.terminal: unix socket that receives the pty master (runc --console-socket). */
  consoleSocket?: string;
  /**
   * process.terminal without a console socket: a socket of the caller's (one end of a socketpair)
   * that the pty master is sent over; the caller receives it (addon recvFd). `run` passes its own.
   */
  consoleFd?: number;
  /** Unix socket that receives a pidfd of the init once it exists (runc 1.2 --pidfd-socket). */
  pidfdSocket?: string;
  /** The consoleFd is this process's own terminal proxy (foreground `run`): its stdin must be a tty. */
  ownTerminal?: boolean;
  /** fds 0, 1, 2 of the container process (default: this process's own 0, 1, 2). */
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** The systemd cgroup driver (runc --systemd-cgroup): cgroupsPath is "slice:prefix:name". */
  systemdCgroup?: boolean;
};

export interface Created {
  pid: number;
  /** Set when created with `wait`: the helper that exits with the container's status. */
  helper: HelperProcess;
  /** The process has a terminal (its master went to the console socket). */
  terminal: boolean;
}

const O_PATH = 0o10000000;

interface Prepared {
  plan: Plan;
  cgroup: AnySetup;
  /** The plan's mounts before its cgroup mounts were placed; undefined without a cgroup mount. */
  configMounts?: Plan['mounts'];
  stored: Omit<StoredState, 'pid' | 'pidStartTime'>;
}

function loadSpecOption(source: Extract<ConfigSource, { spec: Spec }>): LoadedBundle {
  const spec = source.rootfs === undefined ? source.spec : { ...source.spec, root: { ...source.spec.root, path: path.resolve(source.rootfs) } };
  return loadSpec(spec, source.bundle ?? (source.rootfs === undefined ? process.cwd() : path.dirname(path.resolve(source.rootfs))));
}

export function prepare(id: string, options: CreateOptions, logger: Logger): Prepared {
  validateId(id);
  checkStdio(options.stdio);
  const { bundle, config, warnings } = options.spec ? loadSpecOption(options) : loadBundle(options.bundle);
  const warn = (list: ConfigProblem[]) => list.forEach((w) => logger.warn(`config.json ${w.pointer}: ${w.message}`));
  warn(warnings);
  const compileWarnings: ConfigProblem[] = [];
  let plan: Plan;
  let cgroup: AnySetup;
  let configMounts: Plan['mounts'] | undefined;
  try {
    plan = compilePlan(config, bundle, { id, noPivot: options.noPivot, warnings: compileWarnings });
    cgroup = planCgroup(config, id, compileWarnings, { systemd: options.systemdCgroup });
    // A cgroup mount shows the container's own cgroups: known only now.
    if (plan.mounts.some(isCgroupMount)) {
      configMounts = plan.mounts;
      plan.mounts = placeCgroupMounts(plan.mounts, cgroupMountView(detectHostCached(), plannedRecord(cgroup), hasCgroupNamespace(plan)));
    }
  } finally {
    warn(compileWarnings); // also when the config is rejected: they may explain why
  }
  return {
    plan,
    cgroup,
    configMounts,
    stored: {
      ociVersion: OCI_VERSION,
      id,
      bundle,
      rootfs: plan.rootfs,
      created: utcTimestamp(),
      owner: ownerName(),
      annotations: (config.annotations ?? {}) as Record<string, string>,
      config,
      ...(plan.hostMountNamespace ? { hostMounts: recordHostMounts(plan.rootfs) } : {}),
    },
  };
}

/** An in-process caller's stdio slots, checked before anything exists (TypeScript checks only its own callers). */
function checkStdio(stdio: CreateOptions['stdio']): void {
  if (stdio === undefined) return;
  if (!Array.isArray(stdio) || stdio.length !== 3) throw new TsruncError('INVALID_ARGUMENT', 'stdio: three slots are needed (stdin, stdout, stderr)');
  stdio.forEach((slot: unknown, i) => {
    if (slot !== 'pipe' && slot !== 'ignore' && !(Number.isInteger(slot) && (slot as number) >= 0)) {
      throw new TsruncError('INVALID_ARGUMENT', `stdio[${i}]: ${JSON.stringify(slot)} is not an fd of this process, 'pipe' or 'ignore'`);
    }
  });
}

// The user this process runs as (state.json's owner): looked up once per uid, not at every create,
// by the addon create loads anyway (node:os costs ~0.4 ms to load). A uid without a name goes to
// os.userInfo(), which fails as it always did.
let owner: { uid: number; name: string } | undefined;
function ownerName(): string {
  const uid = process.getuid?.() ?? -1;
  if (owner?.uid !== uid) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    owner = { uid, name: (uid >= 0 ? addon().userName(uid) : null) ?? (require('node:os') as typeof import('node:os')).userInfo().username };
  }
  return owner.name;
}

/** The socket the init sends its pty master over; -1 without process.terminal (terminal.ts's rule). */
function consoleChannel(plan: Plan, options: CreateOptions): number {
  // create never holds a master itself: without a socket of the caller's it detaches.
  const route = consoleRoute(plan.process.terminal, { ...options, detach: true });
  if (route === 'none') return -1;
  return route === 'socket' ? connectConsoleSocket(options.consoleSocket!) : options.consoleFd!;
}

/**
 * `waits` (process/waits.ts): how create waits, and where its heavy kernel work runs. The blocking
 * driver (the CLI) does everything on this thread; with the event-loop driver (in-process callers)
 * the cgroup set-up runs on a worker thread (cgroup-worker.ts), the helper is forked by the fork
 * server (zygote.ts), and the v1 placement writes go to the thread pool.
 * `wait`: the helper stays the init's parent and exits with its status (foreground run, spawn).
 */
export async function create(root: string, id: string, options: CreateOptions, logger: Logger, waits: Waits, wait = false): Promise<Created> {
  // One container for this process (the CLI): the kernel's wait before placing it passes meanwhile.
  if (waits.blocking && !options.systemdCgroup) warmPlacementEarly();
  const { plan, cgroup, stored, configMounts } = prepare(id, options, logger);
  logger.debug(`create ${id}: config of ${stored.bundle} is valid; plan: ${plan.mounts.length} mounts, rootfs ${plan.rootfs}`);
  // Before anything exists, as runc: a frozen cgroup is refused (the init would never get ready).
  checkPreexistingCgroup(cgroup, logger);
  // Before anything exists: a bad console socket leaves nothing behind.
  const consoleFd = consoleChannel(plan, options);
  let pidfdSocketFd = -1;
  let dir: ContainerDir;
  // The "creating" record: no init yet (pid 0), and the cgroups about to be made. If this process
  // dies from here on, `delete --force` finds everything there is to clean up in it.
  const creatingRecord: StoredState = { ...stored, pid: 0, pidStartTime: '', cgroup: plannedRecord(cgroup) };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (options.pidfdSocket) pidfdSocketFd = (require('./pidfd-socket') as typeof import('./pidfd-socket')).connectPidfdSocket(options.pidfdSocket);
    dir = ContainerDir.create(root, id, creatingRecord);
  } catch (e) {
    if (options.consoleSocket && consoleFd >= 0) fs.closeSync(consoleFd);
    if (pidfdSocketFd >= 0) fs.closeSync(pidfdSocketFd);
    throw e;
  }
  let cgroupRecord: CgroupRecord | undefined;
  let cgroupFd = -1;
  let pid = 0;
  let startTime = '';
  let fifoFd = -1;
  let launched: Launched | undefined;
  let record: StoredState | undefined;
  try {
    addon().mkfifo(dir.fifoPath, 0o600);
    // In a user namespace the init opens it as the namespace's root, a host uid that is not this
    // one: writable by all, as runc makes it. Only the init reaches it (through an O_PATH fd):
    // the state directory around it stays this user's alone.
    if (plan.userNamespace) fs.chmodSync(dir.fifoPath, 0o622);
    fifoFd = fs.openSync(dir.fifoPath, O_PATH);
    crashPoint('create:fifo');
    // Ready before the init exists: on cgroup v2 it is cloned straight into it (CLONE_INTO_CGROUP);
    // on v1 it is placed (placeInit) before it is told to go on. Either way no instruction of the
    // container ever runs outside its limits.
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cgroupRecord = !waits.blocking ? await (require('./cgroup-worker') as typeof import('./cgroup-worker')).setUpCgroupOffThread(cgroup) : setUpCgroup(cgroup);
    } catch (e) {
      // A rootless caller without a delegated cgroup: the container runs without one where runc's rules allow.
      if (!skipRootlessCgroup(e, stored.config, cgroup.driver !== 'v1')) throw e;
      logger.debug(`no cgroup for the container: ${(e as Error).message}`);
      // Its cgroup mounts show the cgroups it is in instead: the caller's.
      if (configMounts) plan.mounts = placeCgroupMounts(configMounts, cgroupMountView(detectHostCached(), callerCgroups(detectHostCached()), hasCgroupNamespace(plan)));
    }
    crashPoint('create:cgroup');
    logger.debug(`create ${id}: ${cgroupRecord ? `cgroup ready (${cgroupRecord.dir})` : 'no cgroup'}`);
    const intoDir = cgroupRecord && managerFor(cgroupRecord).cloneIntoDir();
    if (intoDir !== undefined) cgroupFd = fs.openSync(intoDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    const cgroupOwnerUid = intoDir === undefined ? null : cgroupOwner(stored.config);
    if (cgroupOwnerUid !== null) delegateCgroup(intoDir!, cgroupOwnerUid);
    const listenFds = options.listenFds ?? 0;
    if (listenFds > 0) plan.process.env.push(`LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1');
    launched = await launchInit(plan, { fifoFd, cgroupFd, consoleFd, wait, preserveFds: listenFds + (options.preserveFds ?? 0), stdio: options.stdio, forked: !waits.blocking });
    crashPoint('create:launched');
    // While the helper starts and sends the init's pid, not while the init waits to be placed.
    if (cgroupRecord) waits.run(warmPlacement(cgroup)).catch(() => {}); // best effort
    pid = (await launched.sync.expect('pid')).pid; // sync step 2
    logger.debug(`create ${id}: tsrunc-init cloned the container init into its namespaces: pid ${pid}`);
    crashPoint('create:pid');
    startTime = processStartTime(pid) ?? '';
    // Recorded as soon as it is known, before the init goes on: from here `delete --force` kills
    // it by pid and start time (until then, a crash of this process closes the sync socket, and the
    // init, waiting for step 3, exits).
    record = { ...stored, pid, pidStartTime: startTime, cgroup: cgroupRecord };
    dir.write(record);
    crashPoint('create:recorded');
    // The init waits for "go" before it needs them (it becomes the namespace's root then).
    const idMaps = configIdMaps(stored.config.linux);
    if (idMaps) writeIdMaps(pid, idMaps);
    if (cgroupRecord) await waits.run(placeInit(cgroup, cgroupRecord, pid));
    crashPoint('create:placed');
    // Its network namespace exists: the devices go there before the init goes on (and runs hooks).
    const netDevices = stored.config.linux?.netDevices;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (netDevices && Object.keys(netDevices).length > 0) (require('./net-devices') as typeof import('./net-devices')).moveNetDevices(pid, netDevices);
    const creating = hookState(record, 'creating');
    launched.sync.send({ type: 'go', pid, states: { creating, created: hookState(record, 'created') } }); // sync step 3
    logger.debug(`create ${id}: init placed in its cgroups and state saved; init builds the rootfs`);
    crashPoint('create:go');
    if (plan.hooks.runtimeHooks) {
      // The init has made its mounts and waits: prestart and createRuntime run now, in the
      // runtime's namespaces, before pivot_root, as the runtime spec orders them.
      await launched.sync.expect('hooks'); // sync step 4
      logger.debug(`create ${id}: mounts made; running prestart and createRuntime hooks`);
      await runHooks(stored.config, 'prestart', creating, logger, true);
      await runHooks(stored.config, 'createRuntime', creating, logger, true);
      crashPoint('create:hooks');
      launched.sync.send({ type: 'resume' }); // sync step 5
    }
    await launched.sync.expect('ready'); // sync step 6
    logger.debug(`create ${id}: init ready (in its rootfs, waiting on exec.fifo for start)`);
    crashPoint('create:ready');
    launched.sync.close();
    if (options.pidFile) writeFileAtomic(options.pidFile, String(pid));
    if (pidfdSocketFd >= 0) {
      const socket = pidfdSocketFd;
      pidfdSocketFd = -1;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./pidfd-socket') as typeof import('./pidfd-socket')).sendPidfd(socket, pid);
    }
    return { pid, helper: launched.helper, terminal: plan.process.terminal };
  } catch (caught) {
    let e = caught;
    // An init that died without a word in a cgroup that saw an OOM kill: say so, and which limit.
    if (cgroupRecord && e instanceof InitExitedError && managerFor(cgroupRecord).oomKillCount() > 0) {
      e = new TsruncError('SETUP_FAILED', `container init was killed by the OOM killer during setup (${e.message}): the memory limit is too low`, { pointer: '/linux/resources/memory/limit', cause: e });
    }
    logger.debug(`create ${id}: failed, removing what was made: ${e instanceof Error ? e.message : String(e)}`);
    launched?.sync.close();
    if (pid > 0 && startTime) {
      signalRecorded(pid, startTime, 9);
      await waitGone(pid, startTime);
    }
    // A failed create continues the lifecycle at delete, which runs the poststop hooks.
    if (record) await runHooks(stored.config, 'poststop', hookState(record, 'stopped'), logger, false);
    if (cgroupRecord) await waits.run(managerFor(cgroupRecord).removal());
    if (stored.hostMounts) detachHostMounts(stored.hostMounts);
    dir.remove();
    throw e;
  } finally {
    if (fifoFd >= 0) fs.closeSync(fifoFd);
    if (cgroupFd >= 0) fs.closeSync(cgroupFd);
    if (options.consoleSocket && consoleFd >= 0) fs.closeSync(consoleFd);
    if (pidfdSocketFd >= 0) fs.closeSync(pidfdSocketFd);
    dir.unlock();
  }
}
