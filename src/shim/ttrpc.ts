// ttrpc, containerd's RPC protocol for shims (../shared/containerd-api/ttrpc/PROTOCOL.md): frames
// of a 10-byte header (data length and stream id, big-endian uint32; message type; flags) and a
// protobuf body, ttrpc.Request from the client and ttrpc.Response back, on a unix socket. Only
// unary calls: the Task service and Events.Forward have no streams. No npm package implements
// it; the messages themselves come from generated code (src/generated/shim, @bufbuild/protobuf).
import * as net from 'node:net';

import { create, fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from '@bufbuild/protobuf';

import { RequestSchema, ResponseSchema, type Request } from '../generated/shim/ttrpc/request_pb';

export const HEADER_LENGTH = 10;
/** The protocol's limit on a frame's data; a longer frame is refused (its data skipped). */
export const MAX_DATA_LENGTH = 4 << 20;

export const MessageType = {
  Request: 1,
  Response: 2,
  Data: 3,
} as const;

/** The gRPC status codes ttrpc carries in google.rpc.Status (containerd maps them to errdefs). */
export const Code = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** An error a handler throws to answer with a given status code. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface Frame {
  streamId: number;
  type: number;
  flags: number;
  data: Buffer;
  /** The data was longer than MAX_DATA_LENGTH: it was skipped, `data` is empty. */
  oversized?: number;
}

export function encodeFrame(streamId: number, type: number, flags: number, data: Uint8Array): Buffer {
  if (data.length > MAX_DATA_LENGTH) throw new RpcError(Code.RESOURCE_EXHAUSTED, `message length ${data.length} exceeds maximum message size of ${MAX_DATA_LENGTH}`);
  const out = Buffer.allocUnsafe(HEADER_LENGTH + data.length);
  out.writeUInt32BE(data.length, 0);
  out.writeUInt32BE(streamId, 4);
  out.writeUInt8(type, 8);
  out.writeUInt8(flags, 9);
  out.set(data, HEADER_LENGTH);
  return out;
}

/** Cuts a byte stream into frames, whatever the chunking of the reads. */
export class FrameReader {
  private buffered: Buffer[] = [];
  private length = 0;
  /** Bytes of an oversized frame still to skip. */
  private skipping = 0;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, chunk.length);
      this.skipping -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      this.buffered.push(chunk);
      this.length += chunk.length;
    }
    while (this.length >= HEADER_LENGTH && this.skipping === 0) {
      const all = this.buffered.length === 1 ? this.buffered[0] : Buffer.concat(this.buffered, this.length);
      const size = all.readUInt32BE(0);
      const header = { streamId: all.readUInt32BE(4), type: all.readUInt8(8), flags: all.readUInt8(9) };
      if (size > MAX_DATA_LENGTH) {
        // Answered with an error by the server; the data is read and dropped, never buffered.
        frames.push({ ...header, data: Buffer.alloc(0), oversized: size });
        const available = all.length - HEADER_LENGTH;
        const dropped = Math.min(size, available);
        this.skipping = size - dropped;
        this.reset(all.subarray(HEADER_LENGTH + dropped));
        continue;
      }
      if (all.length < HEADER_LENGTH + size) {
        this.reset(all);
        break;
      }
      frames.push({ ...header, data: all.subarray(HEADER_LENGTH, HEADER_LENGTH + size) });
      this.reset(all.subarray(HEADER_LENGTH + size));
    }
    return frames;
  }

  private reset(rest: Buffer): void {
    this.buffered = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
/** `connection`: the socket the call came on (Shutdown retires it, lifetime.ts). */
type Handler = (request: any, metadata: Request['metadata'], connection: net.Socket) => unknown;

interface Route {
  input: DescMessage;
  output: DescMessage;
  handler: Handler;
}

/** A ttrpc server: unary methods of registered services, on every connection of a listening socket. */
export class TtrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  /** Called for every failed call (logging). */
  onError: (method: string, e: unknown) => void = () => {};
  /** Called for every call as it arrives (debug logging). */
  onCall: (method: string) => void = () => {};
  /** Called when a connection opens or closes (the shim's lifetime). */
  onConnections: () => void = () => {};

  private readonly retired = new WeakSet<net.Socket>();

  /** Marks a connection as done with (its client said Shutdown): it no longer keeps the shim. */
  retire(socket: net.Socket): void {
    this.retired.add(socket);
    this.onConnections();
  }

  /** Open connections not retired. */
  get liveConnections(): number {
    let n = 0;
    for (const s of this.sockets) if (!this.retired.has(s)) n++;
    return n;
  }

  /** Connections accepted so far. */
  accepted = 0;

  /** Registers `implementation[localName]` for each method of `service` it has. */
  register(service: DescService, implementation: Record<string, Handler>): void {
    for (const method of service.methods) {
      const handler = implementation[method.localName];
      this.routes.set(`${service.typeName}/${method.name}`, {
        input: method.input,
        output: method.output,
        handler: handler ? handler.bind(implementation) : () => {
          throw new RpcError(Code.UNIMPLEMENTED, `${service.typeName}.${method.name} is not implemented`);
        },
      });
    }
  }

  /** Serves on a listening socket: a path, or { fd } of one inherited. */
  listen(where: string | { fd: number }): Promise<void> {
    const server = net.createServer((socket) => this.serve(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(where, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Serves one connected socket (also usable without listen()). */
  serve(socket: net.Socket): void {
    this.sockets.add(socket);
    this.accepted++;
    this.onConnections();
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) void this.dispatch(socket, frame);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.onConnections();
    });
  }

  private async dispatch(socket: net.Socket, frame: Frame): Promise<void> {
    if (frame.type !== MessageType.Request) return; // no streams: data frames have no stream to go to
    let status: { code: number; message: string } = { code: Code.OK, message: '' };
    let payload: Uint8Array = new Uint8Array(0);
    let name = '?';
    try {
      if (frame.oversized !== undefined) throw new RpcError(Code.RESOURCE_EXHAUSTED, `message length ${frame.oversized} exceeds maximum message size of ${MAX_DATA_LENGTH}`);
      const request = fromBinary(RequestSchema, frame.data);
      name = `${request.service}/${request.method}`;
      this.onCall(name);
      const route = this.routes.get(name);
      if (!route) throw new RpcError(Code.UNIMPLEMENTED, `${request.service}.${request.method} is not implemented`);
      const result = await route.handler(fromBinary(route.input, request.payload), request.metadata, socket);
      payload = toBinary(route.output, (result ?? create(route.output)) as MessageShape<DescMessage>);
    } catch (e) {
      this.onError(name, e);
      status = { code: e instanceof RpcError ? e.code : Code.UNKNOWN, message: (e as Error)?.message ?? String(e) };
      payload = new Uint8Array(0);
    }
    const response = create(ResponseSchema, { status: { code: status.code, message: status.message }, payload });
    if (!socket.destroyed) socket.write(encodeFrame(frame.streamId, MessageType.Response, 0, toBinary(ResponseSchema, response)));
  }

  /** Stops accepting; open connections are ended. */
  close(): Promise<void> {
    for (const s of this.sockets) s.end();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A ttrpc client of unary calls over one connection, opened on first use and again after a loss. */
export class TtrpcClient {
  private socket: net.Socket | undefined;
  private nextStream = 1;
  private readonly pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(private readonly path: string) {}

  async call<I extends DescMessage, O extends DescMessage>(service: string, method: string, input: I, output: O, message: MessageShape<I>, timeoutMs = 0): Promise<MessageShape<O>> {
    const socket = await this.connect();
    const streamId = this.nextStream;
    this.nextStream += 2; // client streams are odd
    const request = create(RequestSchema, { service, method, payload: toBinary(input, message), timeoutNano: BigInt(timeoutMs) * 1000000n });
    const body = await new Promise<Uint8Array>((resolve, reject) => {
      this.pending.set(streamId, { resolve, reject });
      socket.write(encodeFrame(streamId, MessageType.Request, 0, toBinary(RequestSchema, request)));
    });
    const response = fromBinary(ResponseSchema, body);
    if (response.status && response.status.code !== Code.OK) throw new RpcError(response.status.code, response.status.message);
    return fromBinary(output, response.payload);
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    const socket = net.connect(this.path);
    this.socket = socket;
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        const waiter = this.pending.get(frame.streamId);
        if (!waiter || frame.type !== MessageType.Response) continue;
        this.pending.delete(frame.streamId);
        waiter.resolve(frame.data);
      }
    });
    const fail = (e: Error) => {
      for (const w of this.pending.values()) w.reject(e);
      this.pending.clear();
      if (this.socket === socket) this.socket = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`ttrpc connection to ${this.path} closed`)));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  /** Lets the process exit while the connection is idle. */
  unref(): void {
    this.socket?.unref();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}
