'use strict';
// The torture suite's leak checker must see a leak when there is one, or every "0 leaks" figure
// it reports would mean nothing: a running container is found in every category it occupies,
// and after `delete --force` nothing is.
const test = require('ava');
const { useRuntime } = require('../helpers/runtime');
const { NO_LEAKS, findLeaks, hostDevices } = require('./lib/leaks');

test('finds a live container, then nothing once it is deleted', async (t) => {
  const rt = useRuntime(t);
  const devices = hostDevices();
  const { id, pid } = await rt.startContainer({ process: { args: ['sleep', '1000'] } });
  const live = await findLeaks(rt, [id], { settle: 0 });
  t.true(live.processes.some((p) => p.startsWith(`${pid} `)), JSON.stringify(live.processes));
  t.true(live.mounts.length > 0, 'the container\'s rootfs mount is seen in its mount namespace');
  t.true(live.cgroups.length > 0, 'its cgroup directories are seen');
  t.deepEqual(live.state.length, 1);

  const r = await rt.runtime(['delete', '--force', id]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(await findLeaks(rt, [id]), NO_LEAKS);
  t.deepEqual(hostDevices(), devices);
});
