// tsrunc's end of the sync socket with tsrunc-init (protocol: native/init/sync.h).
import type { Socket } from 'node:net';

export type InitMessage =
  | { type: 'pid'; pid: number }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'error'; message: string; errno: number; pointer: string };

export class SyncChannel {
  private buffer = '';
  private queue: InitMessage[] = [];
  private waiter: ((m: InitMessage | null) => void) | null = null;
  private ended = false;

  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', () => this.onEnd());
  }

  send(message: unknown): void {
    this.socket.write(JSON.stringify(message) + '\n');
  }

  /** The next message, or null when the init side closed the socket (it died or exec'd). */
  next(): Promise<InitMessage | null> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.deliver(JSON.parse(line) as InitMessage);
    }
  }

  private onEnd(): void {
    this.ended = true;
    const w = this.waiter;
    this.waiter = null;
    w?.(null);
  }

  private deliver(m: InitMessage): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(m);
    } else {
      this.queue.push(m);
    }
  }
}
