'use strict';
// features.md and features-linux.md: what `<runtime> features` claims, checked by using it.
const fs = require('node:fs');
const path = require('node:path');
const { clauses, capMask, grantableCaps } = require('../lib/clause');

const clause = clauses('features.md');

async function features(c) {
  const r = await c.rt(['features']);
  c.check(r.code === 0, `\`features\` failed (${r.exit}): ${r.stderr.trim()}`);
  try { return JSON.parse(r.stdout); } catch { return c.fail(`\`features\` printed no JSON: ${r.stdout.slice(0, 200)}`); }
}

clause('Features structure', 'REQUIRED', '`ociVersionMin` (string, REQUIRED) The minimum recognized version of the Open Container Initiative Runtime Specification. The runtime MUST accept this value as the `ociVersion` property of `config.json`.',
  'a config with ociVersion = ociVersionMin runs', async (c) => {
    const f = await features(c);
    c.check(typeof f.ociVersionMin === 'string', `ociVersionMin: ${f.ociVersionMin}`);
    await c.probe({ ociVersion: f.ociVersionMin });
  });

clause('Features structure', 'REQUIRED', '`ociVersionMax` (string, REQUIRED) The maximum recognized version of the Open Container Initiative Runtime Specification. The runtime MUST accept this value as the `ociVersion` property of `config.json`. The value MUST NOT be less than the value of the `ociVersionMin` property.',
  'a config with ociVersion = ociVersionMax runs', async (c) => {
    const f = await features(c);
    c.check(typeof f.ociVersionMax === 'string', `ociVersionMax: ${f.ociVersionMax}`);
    await c.probe({ ociVersion: f.ociVersionMax });
  });

clause('Features structure', 'MUST', '`hooks` (array of strings, OPTIONAL) The recognized names of the hooks. The runtime MUST support the elements in this array as the `hooks` property of `config.json`.',
  'every hook kind listed runs', async (c) => {
    const f = await features(c);
    const dir = c.hostDir('hooks');
    const kinds = f.hooks ?? [];
    // startContainer runs in the container: it writes through the /out bind mount.
    const hooks = Object.fromEntries(kinds.map((k) => [k, [{ path: '/bin/sh', args: ['sh', '-c', `touch ${k === 'startContainer' ? '/out' : dir}/${k}`] }]]));
    const { id } = await c.create((cfg) => {
      cfg.mounts.push({ destination: '/out', type: 'bind', source: dir, options: ['rbind'] });
      cfg.process.args = ['true'];
      cfg.hooks = hooks;
    });
    await c.start(id);
    await c.waitForStatus(id, 'stopped');
    await c.rt(['delete', id]);
    const missing = kinds.filter((k) => !fs.existsSync(path.join(dir, k)));
    c.check(missing.length === 0, `hooks listed but not run: ${missing.join(', ')}`);
  });

clause('Features structure', 'MUST', '`mountOptions` (array of strings, OPTIONAL) The recognized names of the mount options, including options that might not be supported by the host operating system. The runtime MUST recognize the elements in this array as the `options` in `mounts` objects of `config.json`.',
  'every mount option listed is accepted on a bind mount', async (c) => {
    const f = await features(c);
    // idmap/ridmap need mappings (an error is required without them); tmpcopyup is for tmpfs.
    const options = (f.mountOptions ?? []).filter((o) => !['idmap', 'ridmap', 'tmpcopyup'].includes(o));
    const dir = c.hostDir('vol');
    await c.probe((cfg) => {
      options.forEach((o, i) => cfg.mounts.push({ destination: `/opts/${i}`, type: 'bind', source: dir, options: ['rbind', o] }));
    });
  });

clause('Namespaces (features-linux.md)', 'MUST', '`namespaces` (array of strings, OPTIONAL) The recognized names of the namespaces, including namespaces that might not be supported by the host operating system. The runtime MUST recognize the elements in this array as the `type` of `linux.namespaces` objects in `config.json`.',
  'a container with every namespace listed', async (c) => {
    const f = await features(c);
    const types = f.linux?.namespaces ?? [];
    const mapping = [{ containerID: 0, hostID: 100000, size: 65536 }];
    await c.probe((cfg) => {
      cfg.linux.namespaces = types.map((type) => ({ type }));
      if (types.includes('user')) Object.assign(cfg.linux, { uidMappings: mapping, gidMappings: mapping });
    });
   }, { serial: true }); // with a user namespace: see lib/sandbox.js

clause('Capabilities (features-linux.md)', 'MUST', '`capabilities` (array of strings, OPTIONAL) The recognized names of the capabilities, including capabilities that might not be supported by the host operating system. The runtime MUST recognize the elements in this array in the `process.capabilities` object of `config.json`.',
  'a container with every capability listed (that this host can grant)', async (c) => {
    const f = await features(c);
    const grantable = grantableCaps();
    const caps = (f.linux?.capabilities ?? []).filter((n) => grantable.includes(n));
    c.check(caps.length > 0, 'no capabilities listed');
    const p = await c.probe({ process: { capabilities: { bounding: caps, permitted: caps, effective: caps } } });
    c.equal(p.capabilities.bounding?.toString(16), capMask(caps).toString(16), 'bounding mask (hex)');
  });

// ------------------------------------------------------------------ runtime-spec 1.1 - 1.3
const V13 = 'Added in runtime-spec 1.1-1.3 (quoted from the 1.3.0 text).';

clause('Features structure', 'OPTIONAL', '`potentiallyUnsafeConfigAnnotations` (array of strings, OPTIONAL) contains values of `annotations` property of `config.json` that may potentially change the behavior of the runtime. A value that ends with `.` is interpreted as a prefix of annotations.',
  'features lists potentiallyUnsafeConfigAnnotations (keys, or prefixes ending in ".")', async (c) => {
    const f = await features(c);
    c.check(Array.isArray(f.potentiallyUnsafeConfigAnnotations), `potentiallyUnsafeConfigAnnotations: ${JSON.stringify(f.potentiallyUnsafeConfigAnnotations)}`);
    c.check(f.potentiallyUnsafeConfigAnnotations.every((a) => typeof a === 'string' && a.length > 0), 'a value is not a non-empty string');
  }, { note: V13 });

clause('MemoryPolicy (features-linux.md)', 'MUST', '`modes` (array of strings, OPTIONAL). Recognized memory policies. Includes policies that may not be supported by the host operating system. The runtime MUST recognize the elements in this array as the `mode` of `linux.memoryPolicy` objects in `config.json`.',
  'every memory policy mode listed is accepted (the node this host has where a mode needs one)', async (c) => {
    const f = await features(c);
    const modes = f.linux?.memoryPolicy?.modes;
    c.check(Array.isArray(modes) && modes.length > 0, `linux.memoryPolicy.modes: ${JSON.stringify(modes)}`);
    const noNodes = ['MPOL_DEFAULT', 'MPOL_LOCAL'];
    const refused = [];
    for (const mode of modes) {
      const r = await c.runBundle(c.bundle({ linux: { memoryPolicy: noNodes.includes(mode) ? { mode } : { mode, nodes: '0' } } }));
      // A kernel older than the mode (MPOL_WEIGHTED_INTERLEAVE: 6.9) refuses it with EINVAL: recognized, not supported.
      if (r.code !== 0 && !/set_mempolicy|Invalid argument|EINVAL/.test(r.stderr)) refused.push(`${mode}: ${r.stderr.trim().slice(0, 120)}`);
    }
    c.check(refused.length === 0, `modes not recognized: ${refused.join('; ')}`);
  }, { note: V13 });

clause('Seccomp (features-linux.md)', 'MUST', '`knownFlags` (array of strings, OPTIONAL) The recognized names of the seccomp flags. The runtime MUST recognize the elements in this array in the `flags` property of the `linux.seccomp` object in `config.json`. / `supportedFlags` (array of strings, OPTIONAL) The recognized and supported names of the seccomp flags.',
  'every supported seccomp flag listed loads (WAIT_KILLABLE_RECV needs a notify agent: left out)', async (c) => {
    const f = await features(c);
    const flags = (f.linux?.seccomp?.supportedFlags ?? []).filter((x) => x !== 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV');
    c.check(flags.length > 0, `supportedFlags: ${JSON.stringify(f.linux?.seccomp?.supportedFlags)}`);
    const p = await c.probe({ linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags, syscalls: [{ names: ['getcpu'], action: 'SCMP_ACT_ERRNO' }] } } });
    c.equal(p.seccompMode, 2, 'Seccomp mode in /proc/self/status');
  }, { note: V13 });

clause('NetDevices (features-linux.md)', 'OPTIONAL', '`enabled` (bool, OPTIONAL) represents whether the runtime supports the capability to move Linux network devices into the container\'s network namespace.',
  'features has linux.netDevices.enabled', async (c) => {
    const f = await features(c);
    c.check(typeof f.linux?.netDevices?.enabled === 'boolean', `linux.netDevices: ${JSON.stringify(f.linux?.netDevices)}`);
  }, { note: V13 });

module.exports = clause.list;
