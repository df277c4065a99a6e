// The shim's record of one process of a task: the container's init (exec id "") or an exec'd
// process. Its exit is known to the shim alone (it reaps it, reaper.ts), so status, exit status
// and exit time are kept here; Wait resolves from here.
import type { Exit } from './reaper';
import type { ProcessIO } from './stdio';

export type ProcessStatus = 'created' | 'running' | 'stopped';

export class ShimProcess {
  pid = 0;
  status: ProcessStatus = 'created';
  exit: Exit | undefined;
  /** Set for an exec until Start: its process object (JSON of a runtime-spec Process). */
  spec: Uint8Array | undefined;
  /** Settles once Start has published /tasks/start (or failed): the exit event comes after it. */
  started: Promise<void> = Promise.resolve();
  private readonly exitWaiters: (() => void)[] = [];

  constructor(
    readonly containerId: string,
    /** "" for the init. */
    readonly execId: string,
    readonly io: ProcessIO,
  ) {}

  get isInit(): boolean {
    return this.execId === '';
  }

  setExited(exit: Exit): void {
    this.exit = exit;
    this.status = 'stopped';
    for (const w of this.exitWaiters.splice(0)) w();
  }

  /** Resolves once the process has exited (and its exit has been published). */
  waitExit(): Promise<Exit> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.exitWaiters.push(() => resolve(this.exit!)));
  }
}
