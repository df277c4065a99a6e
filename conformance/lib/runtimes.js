'use strict';
// Which command line runs each runtime under test. A name in PATH (runc, crun) or a path to any
// runc-compatible binary; `tsrunc` is this repository's bin/tsrunc.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '../..');
const UNIFIED = '/sys/fs/cgroup/unified';
// crun 1.8 bind-mounts the host's device nodes into a user-namespaced container and then chowns
// them to the mapped root, which changes the HOST's /dev/null (runc#3674). In crun's private mount
// namespace each of those nodes is shadowed by a fresh copy first, so its chown hits the copy.
const SHIELD_DEVICES = 'mount --make-rprivate /dev && d=$(mktemp -d) && mount -t tmpfs tmpfs "$d" && '
  + 'for n in null zero full random urandom tty; do cp -a /dev/$n "$d/$n" && mount --bind "$d/$n" /dev/$n; done';
const HIDE_UNIFIED = `mount --make-rprivate /sys/fs/cgroup && umount ${UNIFIED} && ${SHIELD_DEVICES}`;

/** True on a hybrid cgroup host: v1 controllers, with cgroup2 mounted at /sys/fs/cgroup/unified. */
function isHybridHost() {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === UNIFIED);
}

/**
 * {label, argv, note}. crun refuses hybrid hosts ("cgroup v2 and v1 mixed"), so there it runs in
 * a private mount namespace where the cgroup2 mount is hidden: it then sees a pure v1 host.
 */
function resolveRuntime(name) {
  if (name === 'tsrunc') return { label: 'tsrunc', argv: [path.join(REPO, 'bin/tsrunc')] };
  const binary = name.includes('/') ? path.resolve(name) : name;
  const label = name.includes('/') ? path.basename(name) : name;
  if (path.basename(binary) === 'crun' && isHybridHost()) {
    return {
      label,
      // Propagation unchanged, so that mounts keep the host's propagation; /sys/fs/cgroup is made
      // private in that namespace first so that the umount cannot propagate to the host.
      argv: ['unshare', '--mount', '--propagation', 'unchanged', 'sh', '-c', `${HIDE_UNIFIED} && exec "$0" "$@"`, binary],
      note: `run as \`unshare --mount --propagation unchanged sh -c '${HIDE_UNIFIED} && exec crun "$@"'\`: crun refuses this hybrid cgroup host, so it runs where the cgroup2 mount is hidden and sees the v1 controllers only`,
    };
  }
  return { label, argv: [binary] };
}

function runtimeVersion(rt) {
  try {
    return execFileSync(rt.argv[rt.argv.length === 1 ? 0 : rt.argv.length - 1], ['--version'], { encoding: 'utf8' })
      .split('\n')[0].trim();
  } catch (e) {
    return `unknown (${e.message.split('\n')[0]})`;
  }
}

module.exports = { REPO, resolveRuntime, runtimeVersion, isHybridHost };
