'use strict';
// The seed scenario of issue 27, shared by test/29 and test/torture/43: a container made by
// `tsrunc bundle create` writes into an anonymous volume and a bind-mounted host directory, is
// killed and deleted, and its bundle removed - the data sets must survive intact.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const TSRUNC = path.resolve(__dirname, '../../bin/tsrunc');

/** `tsrunc --root <rt.root> bundle|volume ...` (this tree's tsrunc, whatever RUNTIME is); msg of the JSON log as stderr. */
function tool(rt, args, { env } = {}) {
  const r = spawnSync(TSRUNC, ['--root', rt.root, '--log-format', 'json', ...args], { encoding: 'utf8', timeout: 120000, env: env ? { ...process.env, ...env } : process.env });
  const stderr = (r.stderr || '').split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l).msg; } catch { return l; } }).join('\n');
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr };
}

/** The writing script: files into the volume (/data) and the bind (/host), then a sync and sleep. */
const WRITER = 'for i in 1 2 3 4 5; do echo "vol $i" > /data/w$i; echo "host $i" > /host/h$i; done; dd if=/dev/urandom of=/data/big bs=1k count=256 2>/dev/null; cp /data/big /host/big; sync; echo written; exec sleep 1000';

/** A bundle of `image` with an anonymous volume at the image's /data and `hostDir` bound at /host. */
function createScenarioBundle(t, rt, image, store, hostDir, name = 'sb') {
  const dir = path.join(rt.base, name);
  const r = tool(rt, ['bundle', 'create', '--store', store, '--image', image, '--bind', `${hostDir}:/host`, dir, '--', WRITER]);
  if (r.code !== 0) throw new Error(`bundle create: ${r.stderr}`);
  const volume = /^volume (\S+) \/data$/m.exec(r.stdout)[1];
  return { dir, volume, volumePath: path.join(store, 'volumes', volume, '_data') };
}

module.exports = { tool, TSRUNC, WRITER, createScenarioBundle };
