'use strict';
// containerd-shim-tsrunc-v2's ttrpc (src/shim/ttrpc.ts) against the real thing: containerd 1.6's
// own ttrpc server (its containerd.sock.ttrpc, where shims publish events) answers our framing and
// our generated messages, and what we publish reaches containerd's event stream (`ctr events`).
// The server side of the same framing is what containerd drives in containerd-shim.test.js.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const test = require('ava');
const { shimTtrpc, ShimPublisher, shimEvents } = require('tsrunc/internal');
const h = require('./harness');

const { FrameReader, encodeFrame, TtrpcClient, RpcError, Code, MessageType, MAX_DATA_LENGTH, HEADER_LENGTH } = shimTtrpc;

let w;
let ttrpcSocket;
let ctr;

test.before(async () => {
  h.ensureCommands(['containerd', 'ctr']);
  w = h.makeWork('ttrpc');
  const d = w.dir;
  for (const sub of ['root', 'state']) fs.mkdirSync(path.join(d, sub));
  ttrpcSocket = path.join(d, 'containerd.sock.ttrpc');
  fs.writeFileSync(path.join(d, 'config.toml'), [
    'version = 2', `root = "${d}/root"`, `state = "${d}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]',
    '[grpc]', `  address = "${d}/containerd.sock"`, '[ttrpc]', `  address = "${ttrpcSocket}"`, '',
  ].join('\n'));
  h.startDaemon(w, 'containerd', ['containerd', '--config', path.join(d, 'config.toml')]);
  ctr = ['ctr', '--address', path.join(d, 'containerd.sock')];
  await h.waitFor(() => h.run(w, [...ctr, 'version'], { timeout: 5000 }).code === 0, { timeout: 30000, what: 'containerd' });
});

test.after.always(async () => {
  if (w) {
    const left = await h.teardown(w, []);
    if (left.length) throw new Error(`left behind: ${left.join('; ')}`);
  }
});

test('framing: frames cut at every byte, several in one read, an oversized one skipped', (t) => {
  const frames = [encodeFrame(1, MessageType.Request, 0, Buffer.from('first')), encodeFrame(3, MessageType.Request, 0, Buffer.alloc(0)), encodeFrame(5, MessageType.Data, 1, Buffer.from('x'.repeat(300)))];
  const all = Buffer.concat(frames);
  t.deepEqual([...all.subarray(0, HEADER_LENGTH)], [0, 0, 0, 5, 0, 0, 0, 1, 1, 0], 'big-endian length and stream id, then type and flags');
  const byteByByte = new FrameReader();
  const got = [];
  for (let i = 0; i < all.length; i++) got.push(...byteByByte.push(all.subarray(i, i + 1)));
  t.deepEqual(got.map((f) => [f.streamId, f.type, f.flags, f.data.toString()]), [[1, 1, 0, 'first'], [3, 1, 0, ''], [5, 3, 1, 'x'.repeat(300)]]);
  t.is(new FrameReader().push(all).length, 3);
  // A frame announcing more than 4 MiB: reported (the server answers it with an error) and its
  // data dropped without being buffered; the frame after it is read as usual.
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(MAX_DATA_LENGTH + 10, 0);
  header.writeUInt32BE(7, 4);
  header.writeUInt8(MessageType.Request, 8);
  const reader = new FrameReader();
  const out = [...reader.push(header), ...reader.push(Buffer.alloc(MAX_DATA_LENGTH)), ...reader.push(Buffer.concat([Buffer.alloc(10), frames[0]]))];
  t.deepEqual(out.map((f) => [f.streamId, f.oversized]), [[7, MAX_DATA_LENGTH + 10], [1, undefined]]);
  t.throws(() => encodeFrame(9, MessageType.Request, 0, Buffer.alloc(MAX_DATA_LENGTH + 1)), { instanceOf: RpcError });
});

test.serial("containerd's ttrpc server answers our calls: an unknown method is Unimplemented", async (t) => {
  const client = new TtrpcClient(ttrpcSocket);
  t.teardown(() => client.close());
  const e = await t.throwsAsync(client.call('containerd.services.events.ttrpc.v1.Events', 'NoSuchMethod', shimEvents.TaskOOMSchema, shimEvents.TaskOOMSchema, { $typeName: 'containerd.events.TaskOOM', containerId: 'x' }));
  t.true(e instanceof RpcError, String(e));
  t.is(e.code, Code.UNIMPLEMENTED, e.message);
});

test.serial('events published through Events.Forward reach containerd in order (ctr events)', async (t) => {
  const ns = `ttrpc-${w.tag}`;
  const out = path.join(w.dir, 'events.out');
  const fd = fs.openSync(out, 'w');
  const events = spawn(ctr[0], [...ctr.slice(1), 'events'], { stdio: ['ignore', fd, fd], env: w.env });
  fs.closeSync(fd);
  t.teardown(() => events.kill());
  await new Promise((r) => setTimeout(r, 500)); // subscribed
  const publisher = new ShimPublisher(`unix://${ttrpcSocket}`, ns, (m) => t.log(m));
  const id = `c-${w.tag}`;
  const ev = shimEvents;
  publisher.publish('/tasks/create', ev.TaskCreateSchema, { $typeName: ev.TaskCreateSchema.typeName, containerId: id, bundle: '/b', rootfs: [], pid: 42 });
  publisher.publish('/tasks/start', ev.TaskStartSchema, { $typeName: ev.TaskStartSchema.typeName, containerId: id, pid: 42 });
  publisher.publish('/tasks/oom', ev.TaskOOMSchema, { $typeName: ev.TaskOOMSchema.typeName, containerId: id });
  await publisher.publish('/tasks/exit', ev.TaskExitSchema, { $typeName: ev.TaskExitSchema.typeName, containerId: id, id, pid: 42, exitStatus: 137 });
  publisher.close();
  const mine = () => fs.readFileSync(out, 'utf8').split('\n').filter((l) => l.includes(` ${ns} `));
  await h.waitFor(() => mine().length >= 4, { what: 'the four events in ctr events' });
  t.deepEqual(mine().map((l) => / (\/tasks\/[a-z-]+) /.exec(l)?.[1]), ['/tasks/create', '/tasks/start', '/tasks/oom', '/tasks/exit']);
  t.regex(mine()[3], /"exit_status":137/, 'the event body, decoded by containerd');
});
