'use strict';
// linux.netDevices (runtime-spec 1.3): a host interface made by the test (dummy, veth) moves into
// the container's network namespace under its new name, with its permanent global addresses, up.
// The runtime does not move it back (the spec forbids it); when the namespace goes, the kernel
// deletes a virtual device with it, so nothing is left on the host.
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const test = require('ava');
const { useRuntime, isTsrunc, waitFor } = require('./helpers/runtime');

// runc 1.1.5 predates netDevices (runc 1.3 has it).
const tsruncOnly = isTsrunc ? test.serial : test.skip;
const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8' });
const hostHas = (name) => fs.existsSync(`/sys/class/net/${name}`);
/**
 * Teardown: deletes a test link if it is still there. The kernel may delete it meanwhile (a veth
 * goes with its peer's namespace, torn down after `delete` returns), so a link gone between the
 * check and the `ip link del` is what teardown wanted, not a failure.
 */
const removeLink = (name) => {
  try {
    if (hostHas(name)) ip('link', 'del', name);
  } catch (e) {
    if (hostHas(name)) throw e;
  }
};

/**
 * One end of a new veth pair on the host, with an address: the device to move (this kernel has
 * no dummy driver). Deleting either end deletes both: teardown removes whatever is left.
 */
function device(t, address) {
  const name = `tsd${crypto.randomBytes(4).toString('hex')}`;
  const other = `${name}o`;
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', other);
  t.teardown(() => removeLink(other));
  ip('addr', 'add', address, 'dev', name);
  ip('addr', 'add', '10.253.0.9/32', 'scope', 'host', 'dev', name); // not global: stays behind
  return name;
}

tsruncOnly('a device (a veth end) moves in under its new name, keeping its global address, up; gone from the host', async (t) => {
  const rt = useRuntime(t);
  const name = device(t, '10.252.7.1/24');
  const { id, pid } = await rt.startContainer((c) => {
    c.linux.netDevices = { [name]: { name: 'ctr0' } };
    c.process.args = ['sleep', '60'];
  });
  t.false(hostHas(name), 'no longer in the host namespace');
  const inside = await rt.runtime(['exec', id, 'sh', '-c', 'ip -4 addr show dev ctr0; cat /sys/class/net/ctr0/flags']);
  t.is(inside.code, 0, inside.stderr);
  t.regex(inside.stdout, /inet 10\.252\.7\.1\/24 /);
  t.notRegex(inside.stdout, /10\.253\.0\.9/, 'a host-scope address does not travel');
  t.true((Number(inside.stdout.trim().split('\n').pop()) & 1) === 1, 'IFF_UP');
  t.truthy(pid);
  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
  t.false(hostHas(name), 'a virtual device is deleted with the namespace, not returned');
  // The kernel tears a network namespace down on a workqueue after its last process is gone
  // (cleanup_net), so the host-side peer goes soon after delete returns, not necessarily before.
  await waitFor(() => !hostHas(`${name}o`), { what: 'the veth peer to go with the namespace' });
  t.false(hostHas(`${name}o`), 'and so is its veth peer');
  t.false(hostHas('ctr0'));
});

tsruncOnly('one end of a veth pair moves in; the other end on the host reaches it', async (t) => {
  const rt = useRuntime(t);
  const host = `tsv${crypto.randomBytes(3).toString('hex')}h`;
  const peer = `tsv${crypto.randomBytes(3).toString('hex')}c`;
  ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
  t.teardown(() => removeLink(host));
  ip('addr', 'add', '10.252.8.1/24', 'dev', host);
  ip('link', 'set', host, 'up');
  ip('addr', 'add', '10.252.8.2/24', 'dev', peer);
  const r = await rt.run((c) => {
    c.linux.netDevices = { [peer]: { name: 'eth%d' } };
    c.process.capabilities = { bounding: ['CAP_NET_RAW'], effective: ['CAP_NET_RAW'], permitted: ['CAP_NET_RAW'] }; // ping
    c.process.args = ['sh', '-c', 'ip -o link show | grep -o "eth[0-9]*" | head -1; ping -c 1 -W 5 10.252.8.1 >/dev/null && echo reached'];
  }, { timeout: 30000 });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^eth0$/m, 'the kernel numbered the %d template');
  t.regex(r.stdout, /reached/);
  t.false(hostHas(peer));
});

tsruncOnly('netDevices that cannot be had are refused naming the field, the device left on the host', async (t) => {
  const rt = useRuntime(t);
  const name = device(t, '10.252.9.1/24');
  const cases = [
    [(c) => { c.linux.netDevices = { tsdnosuchdev0: {} }; }, /\/linux\/netDevices\/tsdnosuchdev0: the host has no network device/],
    [(c) => { c.linux.netDevices = { [name]: { name: 'a/b' } }; }, new RegExp(`/linux/netDevices/${name}/name: .*not a network interface name`)],
    [(c) => { c.linux.netDevices = { [name]: {} }; c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== 'network'); }, /\/linux\/netDevices: needs a network namespace/],
    // "lo" exists in every network namespace: the move is refused, the device comes back.
    [(c) => { c.linux.netDevices = { [name]: { name: 'lo' } }; }, new RegExp(`/linux/netDevices/${name}/name`)],
  ];
  for (const [patch, expected] of cases) {
    const bundle = rt.makeBundle(patch);
    const id = rt.id('netdev');
    const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
    t.not(r.code, 0);
    t.regex(r.stderr, expected);
    t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
    t.true(hostHas(name), 'still on the host');
    t.regex(ip('-4', 'addr', 'show', 'dev', name), /10\.252\.9\.1\/24/, 'with its address');
  }
});
