'use strict';
// Scheduling and execution domain, seen from inside: I/O priority and scheduler policy
// (runtime-spec 1.2), personality; and LSM labels, refused on a host without that LSM.
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, output } = require('./helpers/runtime');

// runc 1.1.5 predates process.ioPriority and process.scheduler and ignores them (and
// linux.personality).
const spec12 = isTsrunc ? test : test.skip;

spec12('process.ioPriority sets the I/O scheduling class and priority', async (t) => {
  const out = await output(t, (c) => {
    c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 };
    c.process.args = ['sh', '-c', 'ionice -p $$'];
  });
  t.is(out.trim(), 'best-effort: prio 6');
});

spec12('process.scheduler sets the policy and nice value', async (t) => {
  const out = await output(t, (c) => {
    c.process.scheduler = { policy: 'SCHED_BATCH', nice: 5 };
    // /proc/self/stat: field 19 is nice, field 41 the policy (SCHED_BATCH = 3).
    c.process.args = ['sh', '-c', 'cut -d" " -f19,41 /proc/self/stat'];
  });
  t.is(out.trim(), '5 3');
});

spec12('linux.personality LINUX32 makes uname report a 32-bit machine', async (t) => {
  const out = await output(t, (c) => {
    c.linux.personality = { domain: 'LINUX32' };
    c.process.args = ['uname', '-m'];
  });
  t.is(out.trim(), 'i686');
});

const hasAppArmor = (() => {
  try {
    return fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
})();

// runc skips an AppArmor profile silently when the host has no AppArmor; tsrunc refuses.
(isTsrunc && !hasAppArmor ? test : test.skip)('apparmorProfile on a host without AppArmor is refused, nothing left behind', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.process.apparmorProfile = 'docker-default';
  });
  const id = rt.id('aa');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.not(r.code, 0);
  t.regex(r.stderr, /\/process\/apparmorProfile: AppArmor is not enabled on this host/);
  t.false((await rt.leftovers(id)).stateDir);
});

for (const { what, edit, message } of [
  { what: 'an unknown I/O priority class', edit: (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_FAST', priority: 1 }; }, message: /\/process\/ioPriority\/class: must be (one of|equal to one of the allowed values)/ },
  { what: 'an I/O priority above 7', edit: (c) => { c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 9 }; }, message: /\/process\/ioPriority\/priority: must be an integer from 0 to 7/ },
  { what: 'an unknown scheduler policy', edit: (c) => { c.process.scheduler = { policy: 'SCHED_FAST' }; }, message: /\/process\/scheduler\/policy: must be (one of|equal to one of the allowed values)/ },
  { what: 'an unknown personality domain', edit: (c) => { c.linux.personality = { domain: 'WINDOWS' }; }, message: /\/linux\/personality\/domain/ },
]) {
  spec12(`create rejects ${what}, leaving nothing behind`, async (t) => {
    const rt = useRuntime(t);
    const bundle = rt.makeBundle(edit);
    const id = rt.id('sched');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0);
    t.regex(r.stderr, message);
    t.false((await rt.leftovers(id)).stateDir);
  });
}
