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

module.exports = clause.list;
