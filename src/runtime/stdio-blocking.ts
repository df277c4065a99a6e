// Node makes process.stdout/stderr on first use, and on a pipe or socket libuv then sets O_NONBLOCK
// on the open file description, which a container shares when it inherits that fd from tsrunc: the
// container's writes would fail with EAGAIN whenever its reader is slow. spawnHelper clears the flag
// on the helper's fds 0-2 (as libuv's spawn does), which covers a stream made before the spawn.
// For one made after it (a warning printed, an in-process caller's first console.log), the first
// access to process.stdout/stderr makes Node's stream and clears the flag again at once: for the
// microseconds in between, a container writing to a full pipe could see EAGAIN.
// Making both streams before every spawn instead cost each create on pipes (the shape containerd
// and Docker use) ~7 ms of CPU: Node's stream and net modules, for streams the CLI never writes to.
import * as fs from 'node:fs';

import { addon } from '../native/addon';

let installed = false;

/** From now on, the first access to process.stdout/stderr leaves fds 1 and 2 blocking. */
export function keepStdioBlocking(): void {
  if (installed) return;
  installed = true;
  for (const [fd, name] of [[1, 'stdout'], [2, 'stderr']] as const) {
    if (!isPipeOrSocket(fd)) continue; // a file, /dev/null or a terminal: Node sets nothing shared
    const own = Object.getOwnPropertyDescriptor(process, name);
    if (!own?.get || !own.configurable) {
      void process[name]; // already made, or a Node that defines them otherwise: as before, now
      continue;
    }
    const make = own.get;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: own.enumerable,
      get() {
        const stream = make.call(process) as NodeJS.WriteStream;
        addon().setBlocking(fd);
        Object.defineProperty(process, name, { configurable: true, enumerable: own.enumerable, get: () => stream });
        return stream;
      },
    });
  }
}

function isPipeOrSocket(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false; // closed: no stream will ever be made on it
  }
}
