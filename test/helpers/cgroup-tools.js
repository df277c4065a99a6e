'use strict';
// Helpers for tests of container cgroups on any host (test/81-cgroup-v1 here, test/cgroup-v2 in the
// VM): a host directory to talk to the container through, events and stats of the runtime.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { RUNTIME, waitFor } = require('./runtime');

const MiB = 1024 * 1024;
const SLOW = 60000; // ms: generous bound for an event to arrive

/** "key value" lines (cpu.stat, memory.events) -> {key: number}. */
const keyed = (text) => Object.fromEntries(text.split('\n').filter(Boolean).map((l) => {
  const [k, v] = l.trim().split(/\s+/);
  return [k, Number(v)];
}));

/**
 * A host directory the container sees at /io: the test lets the container go on with go()
 * (the container waits with WAIT_GO), and the container leaves its results there for read().
 */
function ioDir(rt) {
  const dir = rt.hostDir('io');
  return {
    mount: (c) => c.mounts.push({ destination: '/io', type: 'bind', source: dir, options: ['bind'] }),
    go: () => fs.writeFileSync(path.join(dir, 'go'), ''),
    read: (name) => {
      try {
        return fs.readFileSync(path.join(dir, name), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}
const WAIT_GO = 'until [ -e /io/go ]; do sleep 0.1; done';

/** `events --stats ID`, parsed. */
async function statsOf(rt, id) {
  const r = await rt.runtime(['events', '--stats', id], { timeout: SLOW });
  if (r.code !== 0) throw new Error(`events --stats ${id} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * `events --interval I ID` running in the background: its events, parsed, as they come.
 * runc's keeps running after the container is gone, so the test's teardown stops it.
 */
function streamEvents(t, rt, id, interval = '100ms') {
  const child = spawn(RUNTIME, ['--root', rt.root, 'events', '--interval', interval, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events = [];
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    const lines = (pending + d).split('\n');
    pending = lines.pop();
    for (const line of lines.filter(Boolean)) events.push(JSON.parse(line));
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('close', resolve));
  t.teardown(() => {
    child.kill('SIGKILL');
    return exited;
  });
  return {
    events,
    /** Resolves with the first event of `type`. */
    next: (type) => waitFor(() => events.find((e) => e.type === type), { timeout: SLOW, interval: 100, what: `an "${type}" event` })
      .catch((e) => { throw new Error(`${e.message}; events so far: ${events.map((x) => x.type).join(' ')}; stderr: ${stderr}`); }),
  };
}

/**
 * Docker 20.10's default linux.resources.devices (moby's oci defaults): deny all, allow its own list,
 * deny c 10:229 (fuse). runc's built-in allows ("c *:* m" among them) come after it.
 */
const DOCKER_DEVICES = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
];

module.exports = { MiB, WAIT_GO, DOCKER_DEVICES, keyed, ioDir, statsOf, streamEvents };
