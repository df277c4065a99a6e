'use strict';
// `features` (runtime-spec 1.3 features.md, features-linux.md): a document that validates against
// the release's features-schema.json, with every 1.3 section, each list the one tsrunc implements.
const test = require('ava');
const fs = require('node:fs');
const path = require('node:path');
const { useRuntime, isTsrunc, schemaErrors, REPO } = require('./helpers/runtime');

const tsruncOnly = isTsrunc ? test : test.skip;
const defs = JSON.parse(fs.readFileSync(path.join(REPO, 'schemas', 'defs-linux.json'), 'utf8')).definitions;

async function features(t) {
  const r = await useRuntime(t).runtime(['features']);
  t.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('features validates against the runtime-spec 1.3.0 features-schema.json', async (t) => {
  t.is(schemaErrors('features-schema.json', await features(t)), null);
});

// runc 1.1.5 prints the 1.1 document (no netDevices, memoryPolicy, potentiallyUnsafeConfigAnnotations).
tsruncOnly('features has every section of runtime-spec 1.3', async (t) => {
  const f = await features(t);
  t.is(f.ociVersionMax, '1.3.0');
  t.deepEqual(f.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  t.true(Array.isArray(f.potentiallyUnsafeConfigAnnotations));
  for (const key of ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'memoryPolicy', 'mountExtensions', 'netDevices']) {
    t.truthy(f.linux[key], `linux.${key}`);
  }
  for (const key of ['enabled', 'actions', 'operators', 'archs', 'knownFlags', 'supportedFlags']) t.truthy(f.linux.seccomp[key], `linux.seccomp.${key}`);
  // The host has no resctrl: Intel RDT is refused, and features says so.
  t.deepEqual(f.linux.intelRdt, { enabled: false, schemata: false, monitoring: false });
  t.true(f.linux.netDevices.enabled);
  t.is(typeof f.linux.mountExtensions.idmap.enabled, 'boolean');
  // Every name is one the spec defines (features-linux.md: "recognized names").
  const within = (list, allowed, what) => t.deepEqual(list.filter((x) => !allowed.includes(x)), [], what);
  within(f.linux.namespaces, defs.NamespaceType.enum, 'namespaces');
  within(f.linux.seccomp.actions, defs.SeccompAction.enum, 'seccomp actions');
  within(f.linux.seccomp.operators, defs.SeccompOperators.enum, 'seccomp operators');
  within(f.linux.seccomp.archs, defs.SeccompArch.enum, 'seccomp archs');
  within(f.linux.seccomp.knownFlags, defs.SeccompFlag.enum, 'seccomp flags');
  within(f.linux.seccomp.supportedFlags, f.linux.seccomp.knownFlags, 'supported flags are known flags');
  within(f.linux.memoryPolicy.modes, defs.MemoryPolicyMode.enum, 'memory policy modes');
  within(f.linux.memoryPolicy.flags, defs.MemoryPolicyFlag.enum, 'memory policy flags');
  t.is(f.linux.memoryPolicy.modes.length, defs.MemoryPolicyMode.enum.length, 'every mode');
  // tsrunc's own annotations: the cgroup driver it chose.
  t.truthy(f.annotations['org.tsrunc.cgroup.driver']);
  // The systemd cgroup driver is in this build (--systemd-cgroup; test/systemd runs it).
  t.true(f.linux.cgroup.systemd);
});

tsruncOnly('the seccomp flags features calls supported load into a real container', async (t) => {
  const f = await features(t);
  // WAIT_KILLABLE_RECV needs a notify agent: test/76 runs it.
  const flags = f.linux.seccomp.supportedFlags.filter((x) => x !== 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV');
  t.true(flags.length >= 3, flags.join());
  const out = await useRuntime(t).output((c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    c.process.args = ['sh', '-c', 'mkdir /tmp/x 2>/dev/null || echo refused; grep ^Seccomp: /proc/self/status'];
  });
  t.regex(out, /refused/);
  t.regex(out, /Seccomp:\s+2/);
});
