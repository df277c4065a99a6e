'use strict';
// Mount destinations are resolved inside the rootfs, symlinks included (as if chrooted).
//
// Each case plants a symlink in the rootfs that, followed on the host, leads to a "victim"
// host dir (<base>/victim-N, holding only a marker file). A naive runtime that joins
// rootfs + destination and lets the kernel follow symlinks would create the mountpoint
// in (and mount onto) the victim. A correct one (runc: securejoin) lands the mount at
// the path the symlink names *within* the rootfs.
// No case makes the final component resolve to `/` itself: a naive runtime would then
// mount over the host's (or its own) root, and a test must fail safely.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, parseMountinfo } = require('./helpers/runtime');

// $VICTIM: the victim host dir's absolute path; $NAME: its basename.
// Bundles live at <base>/bundles/<n>/, so from the rootfs `../../..` is <base>,
// and <base>/$NAME is the victim.
const CASES = [
  { what: 'the destination is an absolute symlink to a host dir', link: '/esc -> $VICTIM', destination: '/esc', lands: '$VICTIM' },
  { what: 'an absolute symlink to a host dir is an intermediate component', link: '/esc -> $VICTIM', destination: '/esc/mnt', lands: '$VICTIM/mnt' },
  { what: 'a symlink to / is an intermediate component', link: '/evil -> /', destination: '/evil$VICTIM/mnt', lands: '$VICTIM/mnt' },
  { what: 'a relative symlink ../../.. is an intermediate component', link: '/up -> ../../..', destination: '/up/$NAME/mnt', lands: '/$NAME/mnt' },
  { what: 'the destination is a relative symlink climbing out of the rootfs', link: '/up -> ../../../$NAME', destination: '/up', lands: '/$NAME' },
];

for (const testCase of CASES) {
  test(`${testCase.what}: the mount stays inside the rootfs`, async (t) => {
    const rt = useRuntime(t);
    const victim = rt.hostDir('victim');
    fs.writeFileSync(path.join(victim, 'marker'), 'host\n');
    const fill = (s) => s.replaceAll('$VICTIM', victim).replaceAll('$NAME', path.basename(victim));
    const [linkPath, target] = fill(testCase.link).split(' -> ');
    const [destination, lands] = [fill(testCase.destination), fill(testCase.lands)];

    const bundle = rt.makeBundle((c) => {
      c.process.args = ['sh', '-c', `echo inside > ${destination}/written && cat /proc/self/mountinfo`];
      c.mounts.push({ destination, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
    });
    t.is(path.resolve(bundle.rootfs, '../../..'), rt.base, 'bundle layout the relative cases rely on');
    fs.symlinkSync(target, path.join(bundle.rootfs, linkPath));
    const id = rt.id('esc');

    const r = await rt.runtime(['run', '--bundle', bundle.dir, id]);
    t.is(r.code, 0, r.stderr);

    const mount = parseMountinfo(r.stdout).filter((m) => m.mountPoint === lands).pop();
    t.is(mount?.fsType, 'tmpfs', `a tmpfs at ${lands} inside the container:\n${r.stdout}`);
    t.true(fs.statSync(path.join(bundle.rootfs, lands)).isDirectory(), 'mountpoint created inside the rootfs');

    // The host side is untouched.
    t.deepEqual(fs.readdirSync(victim), ['marker']);
    t.is(fs.readFileSync(path.join(victim, 'marker'), 'utf8'), 'host\n');
    t.deepEqual((await rt.leftovers()).mounts, []);
  });
}
