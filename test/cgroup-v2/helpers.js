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
const { shell } = require('../helpers/config');
const { MiB, WAIT_GO, keyed, ioDir, statsOf, streamEvents } = require('../helpers/cgroup-tools');

const CGROUP_ROOT = '/sys/fs/cgroup';
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

/** The first loop device of the machine: a block device that exists, for io.max and the device filter. */
function loopDevice() {
  const dev = fs.readFileSync('/sys/block/loop0/dev', 'utf8').trim(); // "7:0"
  const [major, minor] = dev.split(':').map(Number);
  return { major, minor, dev };
}

module.exports = {
  CGROUP_ROOT, MiB, SLOW, WAIT_GO, shell, cgroupOf, readCgroup, keyed, loopDevice, ioDir, statsOf, streamEvents,
};
