'use strict';
// Bad linux.resources on a host that has every controller: create fails with a clear error
// and leaves nothing behind - no state directory, no cgroup directory.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, isTsrunc } = require('../helpers/runtime');
const { CGROUP_ROOT, SLOW } = require('./helpers');

// message: tsrunc's error names the offending field by its JSON pointer (runc's wording differs,
// so for another runtime only the failure and the clean-up are checked).
const BAD = [
  { what: 'a unified key that climbs out of the cgroup', resources: { unified: { '../cgroup.procs': '1' } }, message: /\/linux\/resources\/unified/ },
  { what: 'a negative blkio weight', resources: { blockIO: { weight: -5 } }, message: /\/linux\/resources\/blockIO\/weight/ },
  { what: "a cpuset outside the host's CPUs", resources: { cpu: { cpus: '0-4095' } }, message: /\/linux\/resources\/cpu\/cpus/ },
  { what: 'an unknown device type', resources: { devices: [{ allow: true, type: 'x', access: 'r' }] }, message: /\/linux\/resources\/devices\/0/ },
];

for (const { what, resources, message } of BAD) {
  test(`create rejects ${what}; no state dir, no cgroup is left`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle((c) => {
      c.linux.resources = resources;
    });
    const id = rt.id('bad');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id], { timeout: SLOW });
    t.not(r.code, 0, 'create failed');
    if (isTsrunc) t.regex(r.stderr, message);
    t.false((await rt.leftovers(id)).stateDir, 'no state directory');
    t.false(fs.existsSync(path.join(CGROUP_ROOT, id)), 'no cgroup directory');
  });
}
