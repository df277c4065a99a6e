// Foreground `run` and `exec`: signals sent to tsrunc belong to the container's process, as with
// runc. The handlers are installed before the process exists, so a signal that arrives while it is
// being set up neither kills tsrunc (Node's default for SIGTERM/SIGINT) nor gets lost: it is kept
// and delivered as soon as the process's pid is known.
//
// One process-level handler per signal serves every forwarder: an in-process caller runs many
// containers at once, and a listener each would pass Node's limit of 10 per event (a
// MaxListenersExceededWarning) at the eleventh.

const active = new Map<NodeJS.Signals, Set<SignalForwarder>>();

function dispatch(sig: NodeJS.Signals): void {
  for (const forwarder of active.get(sig) ?? []) forwarder.receive(sig);
}

export class SignalForwarder {
  private pid = 0;
  private readonly pending: NodeJS.Signals[] = [];

  constructor(private readonly signals: readonly NodeJS.Signals[]) {
    for (const sig of signals) {
      let set = active.get(sig);
      if (!set) {
        set = new Set();
        active.set(sig, set);
        process.on(sig, dispatch);
      }
      set.add(this);
    }
  }

  /** From now on signals go to `pid`; those that came before are delivered first, in order. */
  target(pid: number): void {
    this.pid = pid;
    for (const sig of this.pending.splice(0)) deliver(pid, sig);
  }

  receive(sig: NodeJS.Signals): void {
    if (this.pid > 0) deliver(this.pid, sig);
    else this.pending.push(sig);
  }

  stop(): void {
    for (const sig of this.signals) {
      const set = active.get(sig);
      if (!set?.delete(this) || set.size > 0) continue;
      active.delete(sig);
      process.off(sig, dispatch);
    }
  }
}

function deliver(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone: its exit status is what the caller reports
  }
}
