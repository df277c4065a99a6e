// containerd.task.v2.Task, served with tsrunc's Runtime in this process: no runtime CLI is
// started for any operation. One shim serves every task of a group (by default a containerd
// namespace's containers, or a pod's: native/shim/launcher.cc); each task is a container plus its exec'd
// processes. Events go out in the order containerd requires (publisher.ts): create, start,
// exec-added, exec-started, exit (after the process's terminal output is copied), delete.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as path from 'node:path';

import { create, fromBinary, toBinary, type MessageShape } from '@bufbuild/protobuf';
import { timestampFromDate, EmptySchema } from '@bufbuild/protobuf/wkt';

import { TsruncError } from '../errors';
import { Runtime } from '../runtime/runtime';
import type { LinuxResources } from '../generated/config';
import * as task from '../generated/shim/containerd/task/v2/shim_pb';
import { Status, ProcessInfoSchema } from '../generated/shim/containerd/types/task/task_pb';
import * as ev from '../generated/shim/containerd/events/task_pb';
import { OptionsSchema, ProcessDetailsSchema, type Options } from '../generated/shim/containerd/runc/oci_pb';
import { TSRUNC_VERSION } from '../version';
import { DEFAULT_STATE_ROOT } from './bootstrap';
import { ShimProcess } from './process';
import type { Publisher } from './publisher';
import { watchExit, type Exit } from './reaper';
import { mountRootfs, unmountRootfs } from './rootfs';
import { ProcessIO } from './stdio';
import { Code, RpcError } from './ttrpc';


interface Task {
  id: string;
  bundle: string;
  runtime: Runtime;
  init: ShimProcess;
  execs: Map<string, ShimProcess>;
  /** Whether the container has a pid namespace of its own (else its processes outlive the init). */
  ownPidNamespace: boolean;
  /** Stops the OOM watch. */
  stopEvents: AbortController;
  /** The OOM watch; settles once it has reported what it saw. */
  oomWatch: Promise<void>;
  deleted: boolean;
}

export interface ServiceOptions {
  namespace: string;
  publisher: Publisher;
  log: (msg: string) => void;
  /** Shutdown with `now`: exit at once. */
  onShutdown: () => void;
  /** A container was created from this bundle (the shim logs to its FIFO from now on). */
  onCreated: (bundle: string) => void;
  /** A task went: the shim may be idle (lifetime.ts decides). */
  onIdle: () => void;
  /** Shutdown came on this connection: its client is done with the shim (lifetime.ts). */
  onRetire: (connection: net.Socket) => void;
}

const notFound = (what: string) => new RpcError(Code.NOT_FOUND, `${what}: not found`);

/** A TsruncError as the status containerd maps to its errdefs (NotFound, AlreadyExists...). */
function rpcError(e: unknown): unknown {
  if (!(e instanceof TsruncError)) return e;
  const code = e.code === 'CONTAINER_NOT_FOUND' ? Code.NOT_FOUND
    : e.code === 'CONTAINER_EXISTS' ? Code.ALREADY_EXISTS
      : e.code === 'INVALID_STATE' ? Code.FAILED_PRECONDITION
        : e.code === 'NOT_SUPPORTED' ? Code.UNIMPLEMENTED
          : e.code === 'INVALID_ARGUMENT' || e.code === 'CONFIG_INVALID' || e.code === 'BUNDLE_INVALID' || e.code === 'INVALID_ID' ? Code.INVALID_ARGUMENT : Code.UNKNOWN;
  return new RpcError(code, e.message);
}

async function translated<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw rpcError(e);
  }
}

const timestamp = (exit: Exit | undefined) => (exit ? timestampFromDate(exit.at) : undefined);

/** The runc shim's options (containerd.runc.v1.Options) when the request carries them; others are ignored. */
function runcOptions(any: { typeUrl: string; value: Uint8Array } | undefined): Options | undefined {
  if (!any || !any.typeUrl.endsWith(OptionsSchema.typeName)) return undefined;
  return fromBinary(OptionsSchema, any.value);
}

export class TaskService {
  private readonly tasks = new Map<string, Task>();
  private readonly runtimes = new Map<string, Runtime>();

  constructor(private readonly o: ServiceOptions) {}

  /** Tasks served (deleted ones excluded). */
  taskCount(): number {
    return this.tasks.size;
  }

  /** The pids the shim waits for itself (inits and exec'd processes not yet exited). */
  watchedPids(): Set<number> {
    const pids = new Set<number>();
    for (const t of this.tasks.values()) {
      for (const p of [t.init, ...t.execs.values()]) if (p.pid > 0 && p.status !== 'stopped') pids.add(p.pid);
    }
    return pids;
  }

  private runtimeFor(root: string): Runtime {
    let r = this.runtimes.get(root);
    if (!r) {
      // Blocking waits, as the CLI: no worker thread for the cgroup set-up, no fork server, the exec
      // FIFO read synchronously. A shim serves one container (or one pod's few), and a worker
      // thread or a fork server cost more to start (CPU, a V8 isolate's memory) than they save it.
      r = new Runtime({ root, blockingWaits: true, logger: { debug: () => {}, warn: (m) => this.o.log(`warning: ${m}`) } });
      this.runtimes.set(root, r);
    }
    return r;
  }

  private task(id: string): Task {
    const t = this.tasks.get(id);
    if (!t || t.deleted) throw notFound(`container ${id}`);
    return t;
  }

  private process(id: string, execId: string): ShimProcess {
    const t = this.task(id);
    if (!execId) return t.init;
    const p = t.execs.get(execId);
    if (!p) throw notFound(`process ${execId} of container ${id}`);
    return p;
  }

  async create(r: task.CreateTaskRequest): Promise<MessageShape<typeof task.CreateTaskResponseSchema>> {
    if (this.tasks.has(r.id)) throw new RpcError(Code.ALREADY_EXISTS, `container ${r.id}: already exists`);
    if (r.checkpoint) throw new RpcError(Code.UNIMPLEMENTED, 'restoring from a checkpoint is not supported by tsrunc');
    const options = runcOptions(r.options);
    const root = options?.root || DEFAULT_STATE_ROOT;
    const runtime = this.runtimeFor(path.join(root, this.o.namespace));
    // For the `delete` subcommand after a crash: where this container's state is (as the runc shim's options.json).
    if (root !== DEFAULT_STATE_ROOT) fs.writeFileSync(path.join(r.bundle, 'options.json'), JSON.stringify({ root }));
    const config = JSON.parse(fs.readFileSync(path.join(r.bundle, 'config.json'), 'utf8')) as { linux?: { namespaces?: { type: string; path?: string }[] } };
    const ownPidNamespace = (config.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
    const io = new ProcessIO({ stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, terminal: r.terminal });
    mountRootfs(r.bundle, r.rootfs);
    let pid: number;
    try {
      await io.open(r.id, this.o.namespace);
      try {
        pid = await translated(() => runtime.create(r.id, {
          bundle: r.bundle,
          stdio: io.slots,
          consoleFd: r.terminal ? io.consoleTheirs : undefined,
          noPivot: options?.noPivotRoot ?? false,
          // runc's shim passes --systemd-cgroup: linux.cgroupsPath is "slice:prefix:name" and a
          // transient unit owns the cgroup; where systemd cannot serve, create says why.
          systemdCgroup: options?.systemdCgroup ?? false,
        }));
      } finally {
        io.closeGiven();
      }
      if (r.terminal) io.attachTerminal();
    } catch (e) {
      io.close();
      unmountRootfs(r.bundle);
      throw e;
    }
    const init = new ShimProcess(r.id, '', io);
    init.pid = pid;
    const t: Task = { id: r.id, bundle: r.bundle, runtime, init, execs: new Map(), ownPidNamespace, stopEvents: new AbortController(), oomWatch: Promise.resolve(), deleted: false };
    this.tasks.set(r.id, t);
    this.o.onCreated(r.bundle);
    void this.o.publisher.publish('/tasks/create', ev.TaskCreateSchema, create(ev.TaskCreateSchema, {
      containerId: r.id, bundle: r.bundle, rootfs: r.rootfs, pid,
      io: { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, terminal: r.terminal },
    }));
    // Watched from now: a created init can be killed before it is ever started.
    void watchExit(pid).then((exit) => this.onExit(t, init, exit));
    return create(task.CreateTaskResponseSchema, { pid });
  }

  async start(r: task.StartRequest): Promise<MessageShape<typeof task.StartResponseSchema>> {
    const t = this.task(r.id);
    const p = this.process(r.id, r.execId);
    if (p.status !== 'created') throw new RpcError(Code.FAILED_PRECONDITION, `process ${r.execId || r.id} is ${p.status}, not created`);
    if (p.isInit) {
      await translated(() => t.runtime.start(r.id));
      if (p.status === 'created') p.status = 'running';
      void this.o.publisher.publish('/tasks/start', ev.TaskStartSchema, create(ev.TaskStartSchema, { containerId: r.id, pid: p.pid }));
      this.watchOoms(t);
      return create(task.StartResponseSchema, { pid: p.pid });
    }
    await this.startExec(t, p);
    return create(task.StartResponseSchema, { pid: p.pid });
  }

  private async startExec(t: Task, p: ShimProcess): Promise<void> {
    // The process object goes to the runtime as runc's --process file: beside the bundle, removed at once.
    const processFile = path.join(t.bundle, `.exec-${p.execId}.json`);
    const pidFile = path.join(t.bundle, `.exec-${p.execId}.pid`);
    fs.writeFileSync(processFile, p.spec ?? new Uint8Array(), { mode: 0o600 });
    try {
      await p.io.open(t.id, this.o.namespace);
      try {
        await translated(() => t.runtime.exec(t.id, {
          processFile,
          detach: true,
          pidFile,
          stdio: p.io.slots,
          consoleFd: p.io.paths.terminal ? p.io.consoleTheirs : undefined,
          tty: p.io.paths.terminal,
        }));
      } finally {
        p.io.closeGiven();
      }
      p.pid = Number(fs.readFileSync(pidFile, 'utf8'));
      if (p.io.paths.terminal) p.io.attachTerminal();
    } catch (e) {
      p.io.close();
      throw e;
    } finally {
      fs.rmSync(processFile, { force: true });
      fs.rmSync(pidFile, { force: true });
    }
    p.status = 'running';
    void this.o.publisher.publish('/tasks/exec-started', ev.TaskExecStartedSchema, create(ev.TaskExecStartedSchema, { containerId: t.id, execId: p.execId, pid: p.pid }));
    let exited: Promise<Exit>;
    try {
      exited = watchExit(p.pid);
    } catch {
      // Reaped before we could watch it (gone already): its status is lost, as for a killed shim.
      exited = Promise.resolve({ status: 255, at: new Date() });
    }
    void exited.then((exit) => this.onExit(t, p, exit));
  }

  /** Publishes the exit once the process's output is copied, then wakes its waiters. */
  private async onExit(t: Task, p: ShimProcess, exit: Exit): Promise<void> {
    if (p.isInit) {
      t.stopEvents.abort();
      // Killed (SIGKILL, the OOM killer's signal): the watch's last look tells whether it was an OOM
      // kill, and /tasks/oom goes out before /tasks/exit. Any other exit does not wait for it.
      if (exit.status === 137) await t.oomWatch;
      // Without a pid namespace of its own the container's other processes outlive the init: kill them as runc's shim does.
      if (!t.ownPidNamespace) {
        try {
          t.runtime.kill(t.id, 'KILL', { all: true });
        } catch {
          // gone already
        }
      }
      // Every exec'd process is gone with the init's pid namespace: their exits come first.
      await Promise.all([...t.execs.values()].filter((e) => e.status === 'running').map((e) => e.waitExit()));
    }
    await p.io.drained();
    p.io.close();
    if (!t.deleted) {
      void this.o.publisher.publish('/tasks/exit', ev.TaskExitSchema, create(ev.TaskExitSchema, {
        containerId: t.id, id: p.execId || t.id, pid: p.pid, exitStatus: exit.status, exitedAt: timestampFromDate(exit.at),
      }));
    }
    p.setExited(exit);
  }

  private watchOoms(t: Task): void {
    // Stats are not wanted here (interval: a day); OOM kills are reported as they happen.
    t.oomWatch = t.runtime.events(t.id, 86400000, (e) => {
      if (e.type === 'oom' && !t.deleted) void this.o.publisher.publish('/tasks/oom', ev.TaskOOMSchema, create(ev.TaskOOMSchema, { containerId: t.id }));
    }, t.stopEvents.signal).catch(() => {});
  }

  async delete(r: task.DeleteRequest): Promise<MessageShape<typeof task.DeleteResponseSchema>> {
    const t = this.task(r.id);
    const p = this.process(r.id, r.execId);
    if (!p.isInit) {
      if (p.status === 'running') throw new RpcError(Code.FAILED_PRECONDITION, `process ${r.execId} must be stopped before it is deleted`);
      t.execs.delete(r.execId);
      p.io.close();
      return create(task.DeleteResponseSchema, { pid: p.pid, exitStatus: p.exit?.status ?? 0, exitedAt: timestamp(p.exit) });
    }
    if (p.status === 'running') throw new RpcError(Code.FAILED_PRECONDITION, `container ${r.id} must be stopped before it is deleted`);
    // A created (never started) init is killed by the runtime's delete; its exit is not an event.
    t.deleted = p.status === 'created';
    await translated(() => t.runtime.delete(r.id, { force: true }));
    t.deleted = true;
    if (!p.exit) p.setExited({ status: 137, at: new Date() });
    t.stopEvents.abort();
    p.io.close();
    unmountRootfs(t.bundle);
    this.tasks.delete(r.id);
    this.o.onIdle();
    const exit = p.exit!;
    void this.o.publisher.publish('/tasks/delete', ev.TaskDeleteSchema, create(ev.TaskDeleteSchema, {
      containerId: r.id, id: r.id, pid: p.pid, exitStatus: exit.status, exitedAt: timestampFromDate(exit.at),
    }));
    return create(task.DeleteResponseSchema, { pid: p.pid, exitStatus: exit.status, exitedAt: timestampFromDate(exit.at) });
  }

  async exec(r: task.ExecProcessRequest): Promise<void> {
    const t = this.task(r.id);
    if (t.execs.has(r.execId)) throw new RpcError(Code.ALREADY_EXISTS, `process ${r.execId}: already exists`);
    if (t.init.status !== 'running') throw new RpcError(Code.FAILED_PRECONDITION, `container ${r.id} is ${t.init.status}: cannot exec`);
    const p = new ShimProcess(r.id, r.execId, new ProcessIO({ stdin: r.stdin, stdout: r.stdout, stderr: r.stderr, terminal: r.terminal }));
    p.spec = r.spec?.value;
    t.execs.set(r.execId, p);
    void this.o.publisher.publish('/tasks/exec-added', ev.TaskExecAddedSchema, create(ev.TaskExecAddedSchema, { containerId: r.id, execId: r.execId }));
  }

  async state(r: task.StateRequest): Promise<MessageShape<typeof task.StateResponseSchema>> {
    const t = this.task(r.id);
    const p = this.process(r.id, r.execId);
    let status = p.status === 'created' ? Status.CREATED : p.status === 'running' ? Status.RUNNING : Status.STOPPED;
    if (p.isInit && p.status === 'running') {
      try {
        const s = t.runtime.state(r.id).status;
        if (s === 'paused') status = Status.PAUSED;
      } catch {
        // deleted meanwhile: what the shim knows stands
      }
    }
    const { stdin, stdout, stderr, terminal } = p.io.paths;
    return create(task.StateResponseSchema, {
      id: p.execId || r.id, bundle: t.bundle, pid: p.pid, status, stdin, stdout, stderr, terminal,
      exitStatus: p.exit?.status ?? 0, exitedAt: timestamp(p.exit), execId: p.execId,
    });
  }

  async pids(r: task.PidsRequest): Promise<MessageShape<typeof task.PidsResponseSchema>> {
    const t = this.task(r.id);
    const pids = await translated(() => t.runtime.pids(r.id));
    const execOf = new Map([...t.execs.values()].filter((e) => e.pid > 0).map((e) => [e.pid, e.execId]));
    return create(task.PidsResponseSchema, {
      processes: pids.map((pid) => create(ProcessInfoSchema, {
        pid,
        // containerd's typeurl names a message by its full name, without a host prefix.
        info: execOf.has(pid) ? { typeUrl: ProcessDetailsSchema.typeName, value: toBinary(ProcessDetailsSchema, create(ProcessDetailsSchema, { execId: execOf.get(pid) })) } : undefined,
      })),
    });
  }

  async pause(r: task.PauseRequest): Promise<void> {
    const t = this.task(r.id);
    await translated(() => t.runtime.pause(r.id));
    void this.o.publisher.publish('/tasks/paused', ev.TaskPausedSchema, create(ev.TaskPausedSchema, { containerId: r.id }));
  }

  async resume(r: task.ResumeRequest): Promise<void> {
    const t = this.task(r.id);
    await translated(() => t.runtime.resume(r.id));
    void this.o.publisher.publish('/tasks/resumed', ev.TaskResumedSchema, create(ev.TaskResumedSchema, { containerId: r.id }));
  }

  checkpoint(): never {
    throw new RpcError(Code.UNIMPLEMENTED, 'checkpoint is not supported by tsrunc (no CRIU integration)');
  }

  async kill(r: task.KillRequest): Promise<void> {
    const t = this.task(r.id);
    const p = this.process(r.id, r.execId);
    if (p.isInit) {
      if (p.status === 'stopped' && !r.all) throw new RpcError(Code.NOT_FOUND, `process ${r.id} already finished`);
      await translated(() => t.runtime.kill(r.id, String(r.signal), { all: r.all }));
      return;
    }
    if (p.status !== 'running') throw new RpcError(Code.NOT_FOUND, `process ${r.execId} ${p.status === 'stopped' ? 'already finished' : 'not started'}`);
    // Still our unreaped child: the pid cannot have been reused.
    process.kill(p.pid, r.signal);
  }

  async resizePty(r: task.ResizePtyRequest): Promise<void> {
    const p = this.process(r.id, r.execId);
    try {
      p.io.resize(r.width, r.height);
    } catch (e) {
      throw new RpcError(Code.FAILED_PRECONDITION, (e as Error).message);
    }
  }

  async closeIO(r: task.CloseIORequest): Promise<void> {
    const p = this.process(r.id, r.execId);
    if (r.stdin) p.io.closeStdin();
  }

  async update(r: task.UpdateTaskRequest): Promise<void> {
    const t = this.task(r.id);
    if (!r.resources) throw new RpcError(Code.INVALID_ARGUMENT, 'update: no resources');
    const resources = JSON.parse(Buffer.from(r.resources.value).toString('utf8')) as LinuxResources;
    await translated(() => t.runtime.update(r.id, resources));
  }

  async wait(r: task.WaitRequest): Promise<MessageShape<typeof task.WaitResponseSchema>> {
    const p = this.process(r.id, r.execId);
    const exit = await p.waitExit();
    return create(task.WaitResponseSchema, { exitStatus: exit.status, exitedAt: timestampFromDate(exit.at) });
  }

  async stats(r: task.StatsRequest): Promise<MessageShape<typeof task.StatsResponseSchema>> {
    const t = this.task(r.id);
    const stats = await translated(() => t.runtime.stats(r.id));
    // Loaded on first use: the cgroup metrics' descriptors cost every shim's start otherwise.
    const { metricsAny } = require('./metrics') as typeof import('./metrics'); // eslint-disable-line @typescript-eslint/no-require-imports
    return create(task.StatsResponseSchema, { stats: metricsAny(stats.data ?? {}) });
  }

  async connect(r: task.ConnectRequest): Promise<MessageShape<typeof task.ConnectResponseSchema>> {
    const t = this.tasks.get(r.id);
    return create(task.ConnectResponseSchema, { shimPid: process.pid, taskPid: t?.init.pid ?? 0, version: TSRUNC_VERSION });
  }

  async shutdown(r: task.ShutdownRequest, _metadata: unknown, connection: net.Socket): Promise<MessageShape<typeof EmptySchema>> {
    // The shim serves a group: it stays while any task or client of it remains (lifetime.ts),
    // unless containerd says now. The answer goes out first.
    setImmediate(() => (r.now ? this.o.onShutdown() : this.o.onRetire(connection)));
    return create(EmptySchema);
  }
}
