// Foreground `run` and `exec`: signals sent to tsrunc belong to the container's process, as with
// runc. The handlers are installed before the process exists, so a signal that arrives while it is
// being set up neither kills tsrunc (Node's default for SIGTERM/SIGINT) nor gets lost: it is kept
// and delivered as soon as the process's pid is known.

export class SignalForwarder {
  private pid = 0;
  private readonly pending: NodeJS.Signals[] = [];
  private readonly handler = (sig: NodeJS.Signals): void => {
    if (this.pid > 0) deliver(this.pid, sig);
    else this.pending.push(sig);
  };

  constructor(private readonly signals: readonly NodeJS.Signals[]) {
    for (const sig of signals) process.on(sig, this.handler);
  }

  /** From now on signals go to `pid`; those that came before are delivered first, in order. */
  target(pid: number): void {
    this.pid = pid;
    for (const sig of this.pending.splice(0)) deliver(pid, sig);
  }

  stop(): void {
    for (const sig of this.signals) process.off(sig, this.handler);
  }
}

function deliver(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone: its exit status is what the caller reports
  }
}
