// When a serving shim exits. One shim may serve many containers (a namespace's, or a pod's:
// native/shim/launcher.cc), so it outlives each: it exits once it has no task and every open
// connection is retired (its client said Shutdown, or closed it): at once by default, as runc's
// shim exits on Shutdown (tools that count shim processes expect that). TSRUNC_SHIM_IDLE_MS in
// containerd's environment keeps a namespace's idle shim that long, so that the next container of
// a stream of them (`ctr run --rm` one after the other) finds it alive instead of paying a Node
// start (bench/RESULTS.md measures both); a pod's shim never lingers (its containers do not come
// back once the pod is gone).
//
// The launcher's `start` may have just returned this shim's address to containerd, which
// connects a moment later: `start` takes <socket>.lock and counts a lease in it before it prints
// the address. The shim decides to exit only under that lock, when every lease has had its
// connection (or LEASE_MS passed: containerd died meanwhile), and removes socket and lock file
// before it lets go, so a later `start` starts a new shim rather than naming a dying one.
import * as fs from 'node:fs';

import { addon } from '../native/addon';

/** How long a lease keeps an idle shim when containerd never connects (it died meanwhile). */
const LEASE_MS = 10000;

/** The idle grace period of a shim serving `group` (the launcher's -group: namespace or pod). */
export function idleGraceMs(group: string): number {
  if (group !== 'namespace') return 0;
  const v = Number(process.env.TSRUNC_SHIM_IDLE_MS);
  return process.env.TSRUNC_SHIM_IDLE_MS && Number.isFinite(v) && v >= 0 ? v : 0;
}

export interface Serving {
  /** True when the shim serves nothing: no task, no connection that is not retired. */
  idle(): boolean;
  /** Connections accepted so far. */
  accepted(): number;
}

export class Lifetime {
  private timer: NodeJS.Timeout | undefined;
  private idleSince = 0;
  /** Added to accepted(): connections without a lease (containerd reconnecting after a restart) and leases never used. */
  private offset = 0;
  private readonly socketIno: number;

  constructor(
    private readonly socket: string,
    private readonly graceMs: number,
    private readonly serving: Serving,
    /** Stops serving and exits the process; called at most once. */
    private readonly exit: () => void,
  ) {
    this.socketIno = fs.statSync(socket).ino;
  }

  /** Something changed (a connection, a task gone, Shutdown): exit if there is nothing left to serve. */
  touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.serving.idle()) {
      this.idleSince = 0;
      return;
    }
    if (!this.idleSince) this.idleSince = Date.now();
    this.schedule(this.graceMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), Math.max(0, ms));
  }

  private check(): void {
    this.timer = undefined;
    if (!this.serving.idle()) return; // touched again when the last task or connection goes
    const lockPath = `${this.socket}.lock`;
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockPath, fs.constants.O_RDWR);
      addon().flock(fd, true, true);
    } catch {
      // no lock file (removed by hand): no `start` can be naming this shim through it
    }
    if (fd !== undefined) {
      const leases = Number(fs.readFileSync(fd, 'latin1').trim()) || 0;
      const leasedAt = fs.fstatSync(fd).mtimeMs;
      let used = this.serving.accepted() + this.offset;
      if (used > leases || Date.now() - leasedAt >= LEASE_MS) {
        this.offset += leases - used;
        used = leases;
      }
      const pending = leases > used;
      const wait = pending ? leasedAt + LEASE_MS - Date.now() : this.idleSince + this.graceMs - Date.now();
      if (wait > 0 || !this.serving.idle()) {
        fs.closeSync(fd);
        if (this.serving.idle()) this.schedule(wait); // a connection arriving touches sooner
        return;
      }
    }
    // A shim that lost its socket path to a newer one leaves that one's socket and lock alone.
    if (this.ownsSocket()) {
      fs.rmSync(this.socket, { force: true });
      if (fd !== undefined) fs.rmSync(lockPath, { force: true });
    }
    // The lock stays held until the process is gone: a `start` waiting on it then finds the file
    // removed and starts a new shim.
    this.exit();
  }

  private ownsSocket(): boolean {
    try {
      return fs.statSync(this.socket).ino === this.socketIno;
    } catch {
      return false;
    }
  }
}
