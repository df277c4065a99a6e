'use strict';
// `tsrunc bundle rm` under crashes (issue 27): the seed scenario - a container of a bundle made by
// `tsrunc bundle create` writes into its anonymous volume and a bind-mounted host directory, is
// killed and deleted - then `bundle rm` is SIGKILLed, at a random instant or at one of its named
// steps (TSRUNC_TEST_STOP_AT=bundle-rm:*), and run again until it succeeds. After every trial: the
// volume's and the host directory's data unchanged (checksummed), the layer store unchanged, the
// bundle gone, no mount, process, cgroup or state left (findLeaks), the volume released.
// Figures: "bundle rm: trials", "bundle rm: killed mid-way", "bundle rm: files lost",
// "bundle rm: mounts left".
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, waitFor, sleep } = require('../helpers/runtime');
const { useTestImages } = require('../helpers/images');
const { tool, TSRUNC, createScenarioBundle } = require('../helpers/bundle-scenario');
const { findLeaks, countLeaks, treeDigest, treeDiff } = require('./lib/leaks');
const { trials, figure } = require('./lib/figures');
const { prng } = require('./lib/prng');

const TRIALS = trials(16, 150);
const STEPS = ['bundle-rm:marked', 'bundle-rm:unmounted', 'bundle-rm:upper', 'bundle-rm:contents', 'bundle-rm:volumes'];

const images = useTestImages(test);

/** `bundle rm` SIGKILLed after `ms` (it may finish first); resolves with its exit. */
function rmKilledAfter(rt, dir, ms) {
  return new Promise((resolve) => {
    const child = spawn(TSRUNC, ['--root', rt.root, 'bundle', 'rm', dir], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}

test(`${TRIALS} bundle removals killed at random instants and named steps lose no data and leave nothing`, async (t) => {
  const rt = useRuntime(t);
  const store = path.join(rt.base, 'store');
  const random = prng(4327);
  const layersDir = path.join(store, 'layers');
  let layersBefore;
  let killedMidway = 0;
  let lost = 0;
  let mountsLeft = 0;
  for (let i = 0; i < TRIALS; i++) {
    const host = rt.hostDir(`host${i}`);
    const { dir, volume, volumePath } = createScenarioBundle(t, rt, `oci-archive:${images.ociArchive}`, store, host, `b${i}`);
    layersBefore ??= treeDigest(layersDir).digest;
    const id = rt.id('rm');
    const started = await rt.runtime(['run', '-d', '--bundle', dir, id], { timeout: 30000 });
    t.is(started.code, 0, started.stderr);
    await waitFor(() => fs.existsSync(path.join(host, 'big')) && fs.statSync(path.join(host, 'big')).size === 262144, { what: 'the writer', timeout: 20000 });
    await sleep(50);
    await rt.runtime(['kill', id, 'KILL']);
    await rt.waitForStatus(id, 'stopped');
    t.is((await rt.runtime(['delete', id])).code, 0);
    const volumeBefore = treeDigest(volumePath);
    const hostBefore = treeDigest(host);

    // Half the trials die at a named step, the others at a random instant of the removal.
    let r;
    if (i % 2 === 0) {
      r = tool(rt, ['bundle', 'rm', dir], { env: { TSRUNC_TEST_STOP_AT: STEPS[(i / 2) % STEPS.length] } });
      r = { code: r.code, signal: r.signal };
    } else {
      r = await rmKilledAfter(rt, dir, Math.floor(random() * 400));
    }
    if (r.signal === 'SIGKILL' && fs.existsSync(dir)) killedMidway++;
    for (let attempt = 0; fs.existsSync(dir) && attempt < 3; attempt++) {
      const again = tool(rt, ['bundle', 'rm', dir]);
      t.is(again.code, 0, `trial ${i}: re-run: ${again.stderr}`);
    }
    t.false(fs.existsSync(dir), `trial ${i}: bundle gone`);
    const volumeDiff = treeDiff(volumeBefore, treeDigest(volumePath));
    const hostDiff = treeDiff(hostBefore, treeDigest(host));
    lost += volumeDiff.length + hostDiff.length;
    t.deepEqual(volumeDiff, [], `trial ${i}: volume data`);
    t.deepEqual(hostDiff, [], `trial ${i}: bind data`);
    const leaks = await findLeaks(rt, [id], { settle: 500 });
    mountsLeft += leaks.mounts.length;
    t.is(countLeaks(leaks), 0, `trial ${i}: ${JSON.stringify(leaks)}`);
    const vol = JSON.parse(tool(rt, ['volume', 'ls', '--store', store, '--format', 'json']).stdout).find((v) => v.name === volume);
    t.deepEqual(vol.usedBy, [], `trial ${i}: volume released`);
    t.is(tool(rt, ['volume', 'rm', '--store', store, volume]).code, 0);
  }
  t.is(treeDigest(layersDir).digest, layersBefore, 'layer store unchanged');
  figure('bundle rm: trials', TRIALS);
  figure('bundle rm: killed mid-way', killedMidway);
  figure('bundle rm: files lost', lost);
  figure('bundle rm: mounts left', mountsLeft);
  t.log(`${TRIALS} trials, ${killedMidway} removals killed mid-way`);
});
