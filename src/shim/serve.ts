// The serving shim: subreaper of its containers, ttrpc server of the Task service on its socket,
// publisher of events to containerd. It logs to the "log" FIFO containerd reads in a bundle (the
// one it was started in, then the latest created container's: containerd shows those lines in its
// own log), and exits once it has no task and no connection left and has stayed idle for a grace
// period (lifetime.ts), removing its socket.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Task } from '../generated/shim/containerd/task/v2/shim_pb';
import type { ShimFlags } from './bootstrap';
import { idleGraceMs, Lifetime } from './lifetime';
import { Publisher } from './publisher';
import { becomeSubreaper, reapOrphans } from './reaper';
import { TaskService } from './service';
import { TtrpcServer } from './ttrpc';

function openLog(bundle: string): number {
  try {
    // containerd holds the FIFO open read-write: this open never blocks.
    return fs.openSync(path.join(bundle, 'log'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch {
    return -1;
  }
}

export async function serve(flags: ShimFlags): Promise<number> {
  let logFd = openLog(process.cwd());
  // The shim outlives the bundle it was started in (it serves the group): nothing may depend on it.
  process.chdir('/');
  // TSRUNC_SHIM_LOG: a file that gets every line too (debugging a shim whose bundle is gone).
  const extra = process.env.TSRUNC_SHIM_LOG;
  const log = (msg: string, level = 'info') => {
    if (level === 'debug' && !flags.debug) return;
    const line = `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)} runtime=io.containerd.tsrunc.v2 pid=${process.pid}\n`;
    try {
      if (logFd >= 0) fs.writeSync(logFd, line);
    } catch {
      // containerd stopped reading: logs are best effort
    }
    if (extra) fs.appendFileSync(extra, line);
  };
  // fd 3: the socket `start` waits on for "ready" (absent when started by hand).
  let report = (s: string): void => {
    report = () => {};
    try {
      fs.writeSync(3, s);
      fs.closeSync(3);
    } catch {
      // nobody to report to
    }
  };
  try {
    becomeSubreaper();
    const publisher = new Publisher(process.env.TTRPC_ADDRESS, flags.namespace, (m) => log(m, 'warning'));
    const server = new TtrpcServer();
    let exiting = false;
    const exit = (removeSocket: boolean) => {
      if (exiting) return;
      exiting = true;
      void (async () => {
        const cpu = process.cpuUsage();
        log(`exiting: cpu ${Math.round((cpu.user + cpu.system) / 1000)} ms, peak rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`, 'debug');
        await publisher.flush();
        await Promise.race([server.close(), new Promise((r) => setTimeout(r, 1000))]);
        if (removeSocket) fs.rmSync(flags.socket, { force: true });
        process.exit(0);
      })();
    };
    let lifetime: Lifetime | undefined;
    const service = new TaskService({
      namespace: flags.namespace,
      publisher,
      log: (m) => log(m, 'warning'),
      onCreated: (bundle) => {
        const fd = openLog(bundle);
        if (fd < 0) return;
        if (logFd >= 0) fs.closeSync(logFd);
        logFd = fd;
      },
      onIdle: () => lifetime?.touch(),
      onRetire: (connection) => server.retire(connection),
      onShutdown: () => exit(true),
    });
    reapOrphans(() => service.watchedPids());
    server.onError = (method, e) => log(`${method}: ${(e as Error)?.message ?? e}`, 'debug');
    server.onCall = (method) => log(`call ${method}`, 'debug');
    server.register(Task, service as unknown as Record<string, (r: unknown) => unknown>);
    fs.rmSync(flags.socket, { force: true });
    await server.listen(flags.socket);
    const life = new Lifetime(flags.socket, idleGraceMs(flags.group), {
      idle: () => service.taskCount() === 0 && server.liveConnections === 0,
      accepted: () => server.accepted,
    }, () => exit(false));
    lifetime = life;
    server.onConnections = () => life.touch();
    life.touch(); // a shim nobody connects to goes too
    report('ready');
    log(`ready: cpu ${Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000)} ms`, 'debug');
    log(`serving on ${flags.socket}`, 'debug');
    // The server's handle keeps the process alive until Shutdown.
    return await new Promise<number>(() => {});
  } catch (e) {
    report(`error: ${(e as Error).message}`);
    log(`shim failed: ${(e as Error).message}`, 'error');
    return 1;
  }
}
