// OOM notifications of a cgroup v1 memory cgroup, as runc receives them: an eventfd registered
// through cgroup.event_control for memory.oom_control. The kernel adds one to the eventfd per OOM
// in the cgroup; it also signals once when the cgroup is removed, which is not an OOM (runc tells the
// two apart the same way: by whether the cgroup still exists).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { addon } from '../../native/addon';
import { onCgroup } from '../cgroupfs';

export class OomNotifier {
  private readonly eventFd: number;
  private readonly controlFd: number;
  private readonly counter = Buffer.alloc(8);

  constructor(private readonly memoryDir: string) {
    this.controlFd = onCgroup('open', path.join(memoryDir, 'memory.oom_control'), () => fs.openSync(path.join(memoryDir, 'memory.oom_control'), 'r'));
    this.eventFd = addon().eventfd();
    try {
      const control = path.join(memoryDir, 'cgroup.event_control');
      onCgroup(`register an OOM eventfd in`, control, () => fs.writeFileSync(control, `${this.eventFd} ${this.controlFd}`));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** OOMs since the last call (0 when none): reads the eventfd without blocking. */
  take(): number {
    let n: number;
    try {
      n = fs.readSync(this.eventFd, this.counter, 0, 8, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
      throw e;
    }
    if (n !== 8 || !fs.existsSync(this.memoryDir)) return 0; // the cgroup went away: no OOM
    return Number(this.counter.readBigUInt64LE(0));
  }

  close(): void {
    for (const fd of [this.eventFd, this.controlFd]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    }
  }
}
