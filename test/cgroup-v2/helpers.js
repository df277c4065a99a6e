'use strict';
// Shared bits of the cgroup v2 enforcement tests (test/cgroup-v2/*.test.js). They need a pure
// cgroup v2 host, every controller in one hierarchy at /sys/fs/cgroup: `npm run test:cgroup`
// runs them directly on such a host, and in a VM that boots one everywhere else. Run by hand on
// a hybrid host they refuse at load time instead of testing the wrong hierarchy.
//
// The VM is software-emulated (process creation ~100x slower than on the host), so waits are
// long and assertions are bands, not exact figures, wherever timing is involved.
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { RUNTIME, waitFor } = require('../helpers/runtime');
const { shell } = require('../helpers/config');

const CGROUP_ROOT = '/sys/fs/cgroup';
const MiB = 1024 * 1024;
const SLOW = 60000; // ms: upper bound for anything a container does in the VM

const pureV2 = fs.existsSync(path.join(CGROUP_ROOT, 'cgroup.controllers'))
  && !/ - cgroup /.test(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
if (!pureV2) {
  throw new Error('test/cgroup-v2 needs a pure cgroup v2 host; run `npm run test:cgroup`, which boots a VM on a hybrid host');
}

/** The cgroup directory of a host pid (its "0::" line of /proc/<pid>/cgroup). */
function cgroupOf(pid) {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return path.join(CGROUP_ROOT, line.slice(3));
}

const readCgroup = (dir, file) => fs.readFileSync(path.join(dir, file), 'utf8').trim();

/** "key value" lines (cpu.stat, memory.events) -> {key: number}. */
const keyed = (text) => Object.fromEntries(text.split('\n').filter(Boolean).map((l) => {
  const [k, v] = l.trim().split(/\s+/);
  return [k, Number(v)];
}));

/** The first loop device of the machine: a block device that exists, for io.max and the device filter. */
function loopDevice() {
  const dev = fs.readFileSync('/sys/block/loop0/dev', 'utf8').trim(); // "7:0"
  const [major, minor] = dev.split(':').map(Number);
  return { major, minor, dev };
}

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

module.exports = {
  CGROUP_ROOT, MiB, SLOW, WAIT_GO, shell, cgroupOf, readCgroup, keyed, loopDevice, ioDir, statsOf, streamEvents,
};
