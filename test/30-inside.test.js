'use strict';
// What the container process sees: hostname, PID namespace, mounts and their flags.
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, output, parseMountinfo, hostMounts, waitFor } = require('./helpers/runtime');
const { shell } = require('./helpers/config');

const bind = (source, destination, options = []) => ({ destination, type: 'bind', source, options: ['bind', ...options] });

/** Config patch: run `script` with extra mounts. */
const withMounts = (script, ...mounts) => shell(script, (c) => {
  c.mounts.push(...mounts);
});

const mountAt = (mountinfo, destination) =>
  parseMountinfo(mountinfo).filter((m) => m.mountPoint === destination).pop();

test('the hostname is the configured one', async (t) => {
  t.is(await output(t, { hostname: 'inside-box', process: { args: ['hostname'] } }), 'inside-box\n');
});

test('the process is pid 1 of a new PID namespace', async (t) => {
  t.is(await output(t, shell('echo $$')), '1\n');
});

for (const { options, present, absent } of [
  { options: ['ro', 'nosuid', 'nodev', 'noexec'], present: ['ro', 'nosuid', 'nodev', 'noexec'], absent: ['rw'] },
  { options: ['rw'], present: ['rw'], absent: ['ro', 'noexec'] },
]) {
  test(`a bind mount with [${options}] shows them in the container's mountinfo`, async (t) => {
    const rt = useRuntime(t);
    const stdout = await output(t, withMounts('cat /proc/self/mountinfo', bind(rt.hostDir(), '/data', options)));
    const mount = mountAt(stdout, '/data');
    t.truthy(mount, stdout);
    for (const flag of present) t.true(mount.options.includes(flag), `${flag} in ${mount.options}`);
    for (const flag of absent) t.false(mount.options.includes(flag), `${flag} in ${mount.options}`);
  });
}

test('writing into a read-only bind mount fails', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir();
  const r = await rt.run(withMounts('echo x > /data/file', bind(dir, '/data', ['ro'])));
  t.not(r.code, 0);
  t.regex(r.stderr, /read-only/i);
  t.deepEqual(fs.readdirSync(dir), []);
});

test("a running container's mounts stay out of the host mount table", async (t) => {
  const rt = useRuntime(t);
  const out = rt.hostDir('out');
  const probe = `/probe-${path.basename(rt.base)}`;
  const { id } = await rt.startContainer(withMounts(
    'cat /proc/self/mountinfo > /out/mountinfo.tmp && mv /out/mountinfo.tmp /out/mountinfo; sleep 60',
    bind(out, '/out'), bind(rt.hostDir('probe'), probe, ['ro'])));

  const inside = await waitFor(() => fs.existsSync(path.join(out, 'mountinfo')) && fs.readFileSync(path.join(out, 'mountinfo'), 'utf8'),
    { what: 'the container to dump its mountinfo' });
  t.truthy(mountAt(inside, probe), 'the probe mount exists inside');

  const leaked = hostMounts().filter((m) => m.mountPoint.endsWith(probe) || m.mountPoint.startsWith(rt.base));
  t.deepEqual(leaked, []);

  t.is((await rt.runtime(['delete', '--force', id])).code, 0);
  t.deepEqual(await rt.leftovers(id), { stateDir: false, processes: [], mounts: [] });
});

for (const { name, forceDelete } of [
  { name: 'the container exits', forceDelete: false },
  { name: 'delete --force of the running container', forceDelete: true },
]) {
  test(`a file written into a rw bind mount is on the host after ${name}`, async (t) => {
    const rt = useRuntime(t);
    const dir = rt.hostDir('rw');
    const file = path.join(dir, 'result');
    const write = 'echo written-inside > /rw/result';
    if (forceDelete) {
      const { id } = await rt.startContainer(withMounts(`${write}; sleep 60`, bind(dir, '/rw')));
      await waitFor(() => fs.existsSync(file), { what: 'the container to write its file' });
      t.is((await rt.runtime(['delete', '--force', id])).code, 0);
    } else {
      await output(t, withMounts(write, bind(dir, '/rw')));
    }
    t.is(fs.readFileSync(file, 'utf8'), 'written-inside\n');
  });
}

test('a tmpfs mount gets its size= and mode= data options', async (t) => {
  const rt = useRuntime(t);
  const stdout = await output(t, withMounts('stat -c %a /scratch; cat /proc/self/mountinfo',
    { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m', 'mode=1770'] }));
  const [mode, ...mountinfo] = stdout.split('\n');
  t.is(mode, '1770');
  const mount = mountAt(mountinfo.join('\n'), '/scratch');
  t.is(mount?.fsType, 'tmpfs', stdout);
  t.true(mount.superOptions.includes('size=1024k'), String(mount.superOptions));
  t.true(mount.superOptions.includes('mode=1770'), String(mount.superOptions));
  t.true(mount.options.includes('nosuid'));
});

test('a missing mountpoint is created as a file for a file source, a dir for a dir source', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir('src');
  const file = path.join(rt.hostDir('srcfile'), 'payload');
  fs.writeFileSync(file, 'payload\n');
  const stdout = await output(t, withMounts(
    '[ -d /new/dir/point ] && echo dir; [ -f /new/file/point ] && echo file; cat /new/file/point',
    bind(dir, '/new/dir/point'), bind(file, '/new/file/point')));
  t.is(stdout, 'dir\nfile\npayload\n');
});
