'use strict';
// Hostile rootfs (issue 14): symlinks, `..`, files and FIFOs in every path tsrunc touches while it
// builds a container: mount destinations, maskedPaths, readonlyPaths, the cwd, /dev entries,
// /dev/pts/ptmx, /dev/console, /proc and /sys. Each case is its own test. Whatever a case plants,
// no operation may land outside the rootfs:
//   on the host   a canary ("victim") dir outside the rootfs that a naive runtime would write,
//                 mount or chown through (checksummed with treeDigest before and after), the host's
//                 device nodes (hostDevices), and no mount under the test's dir in any mount
//                 namespace but the container's own (while it runs), nothing left after (findLeaks);
//   from tsrunc   either a refusal naming the field (a JSON pointer) and leaving nothing behind,
//                 or a container in which an exec'd check sees the operation inside its rootfs.
// test/31-symlink-escape covers tmpfs destinations through symlinks; test/33 the default /dev;
// these are the rest. The same file runs against runc (RUNTIME=runc): where runc behaves
// differently a case says so in `runc` (and why tsrunc's behaviour is kept).
//
// Layout: bundles live at <base>/bundles/<n>/rootfs, so from the rootfs's "/" `../../..` is <base>
// and `../../../$NAME` the victim; from /etc or /dev one more `..` is needed.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const test = require('ava');
const { useRuntime, isTsrunc, parseMountinfo } = require('../helpers/runtime');
const { consoleSocket } = require('../helpers/console');
const { findLeaks, NO_LEAKS, mountsUnder, hostDevices, treeDigest, treeDiff } = require('./lib/leaks');
const { figure } = require('./lib/figures');
const { hostCanaries } = require('./lib/canaries');

// runc's default masked and read-only paths (`runc spec`).
const RUNC_MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'];
const RUNC_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const dropMount = (c, destination) => { c.mounts = c.mounts.filter((m) => m.destination !== destination); };
// The refusal of a proc (mounts/0) or sysfs (mounts/5) mount on something else than a directory.
const ORDINARY = (i, kind) => new RegExp(`must be mounted on an ordinary directory: /\\w+ in the rootfs is ${kind} \\(config.json /mounts/${i}/destination\\)`);

// plant: [path in the rootfs, kind, argument]: kind is link (argument: target), fifo, file (content),
// dir, chr ("major:minor"), rm. Strings may use $VICTIM (the victim's host path), $NAME (its
// basename), $FILE (a file in it), $SRC and $SRCFILE (bind sources outside the rootfs).
// config(c): edits the config. expect: 'inside' (then `check`, a script exec'd in the container,
// must print `out`) or a RegExp the refusal must match (it must name the field).
const CASES = [
  // ---- mount destinations
  { what: 'bind dir onto an absolute symlink to a host dir', plant: [['/esc', 'link', '$VICTIM']],
    config: (c) => c.mounts.push({ destination: '/esc', type: 'bind', source: '$SRC', options: ['bind'] }),
    check: 'cat $VICTIM/from-source', out: 'source\n' },
  { what: 'bind file onto an absolute symlink to a host file', plant: [['/etc/esc', 'link', '$FILE']],
    config: (c) => c.mounts.push({ destination: '/etc/esc', type: 'bind', source: '$SRCFILE', options: ['bind'] }),
    check: 'cat $FILE', out: 'source-file\n' },
  { what: 'bind file onto a relative symlink climbing to a host file', plant: [['/etc/esc', 'link', '../../../../$NAME/file']],
    config: (c) => c.mounts.push({ destination: '/etc/esc', type: 'bind', source: '$SRCFILE', options: ['bind'] }),
    check: 'cat /$NAME/file', out: 'source-file\n' },
  { what: 'bind file onto a FIFO (a FIFO where a mount target file is expected)', plant: [['/etc/fifo', 'fifo']],
    config: (c) => c.mounts.push({ destination: '/etc/fifo', type: 'bind', source: '$SRCFILE', options: ['bind'] }),
    check: 'cat /etc/fifo', out: 'source-file\n' },
  { what: 'bind dir onto a FIFO', plant: [['/data', 'fifo']],
    config: (c) => c.mounts.push({ destination: '/data', type: 'bind', source: '$SRC', options: ['bind'] }),
    expect: /mounts\/6.*(not a directory|ENOTDIR)|(not a directory|ENOTDIR).*mounts\/6/is,
    runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: 'tmpfs destination with .. climbing above /', config: (c) => c.mounts.push({ destination: '/../../../$NAME/mnt', type: 'tmpfs', source: 'tmpfs' }),
    check: 'grep -c " /$NAME/mnt .* - tmpfs " /proc/self/mountinfo', out: '1\n' },
  { what: 'tmpfs destination: .. after a symlink to a host dir is lexical', plant: [['/a', 'link', '$VICTIM/sub']],
    config: (c) => c.mounts.push({ destination: '/a/../escaped', type: 'tmpfs', source: 'tmpfs' }),
    check: 'grep -c " /escaped .* - tmpfs " /proc/self/mountinfo', out: '1\n',
    runc: { expect: /escaped: no such file/, why: 'runc 1.1 follows the link to create, then opens the lexical path' } },
  { what: 'tmpfs destination through a symlink loop', plant: [['/loop1', 'link', '/loop2'], ['/loop2', 'link', '/loop1']],
    config: (c) => c.mounts.push({ destination: '/loop1/mnt', type: 'tmpfs', source: 'tmpfs' }),
    expect: /mounts\/6.*(symbolic links|loop)|(symbolic links|loop).*mounts\/6/is,
    runc: { expect: /symbolic links|loop/i, why: 'runc names no field' } },
  { what: 'tmpfs destination under a regular file', plant: [['/etc/notdir', 'file', 'x']],
    config: (c) => c.mounts.push({ destination: '/etc/notdir/mnt', type: 'tmpfs', source: 'tmpfs' }),
    expect: /mounts\/6.*not a directory|not a directory.*mounts\/6/is,
    runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: 'tmpfs destination is a dangling relative symlink climbing to a missing host path', plant: [['/d1', 'link', '../../../$NAME/d2']],
    config: (c) => c.mounts.push({ destination: '/d1', type: 'tmpfs', source: 'tmpfs' }),
    check: 'grep -c " /$NAME/d2 .* - tmpfs " /proc/self/mountinfo', out: '1\n' },

  // Magic links (/proc/<pid>/root, cwd, fd/N) are not followed at all: through them a path
  // would name the init's own root, the host's.
  { what: 'tmpfs destination through the magic link /proc/self/root', config: (c) => c.mounts.push({ destination: '/proc/self/root/escaped', type: 'tmpfs', source: 'tmpfs' }),
    expect: /mounts\/6.*symbolic links|symbolic links.*mounts\/6/is,
    runc: { expect: undefined, check: 'grep -c " /escaped .* - tmpfs " /proc/self/mountinfo', out: '1\n', why: 'runc reads the magic link as "/" and mounts at /escaped' } },
  // runc's rule (checkProcMount): only procfs on /proc, and under it only lxcfs's files.
  { what: 'a host dir bound over /proc', config: (c) => c.mounts.push({ destination: '/proc', type: 'bind', source: '$SRC', options: ['rbind'] }),
    expect: /mounts\/6\/destination: only a proc filesystem may be mounted on \/proc/, runc: { expect: /not of type proc/ } },
  { what: 'a host dir bound over /proc/sys', config: (c) => c.mounts.push({ destination: '/proc/sys', type: 'bind', source: '$SRC', options: ['bind'] }),
    expect: /mounts\/6\/destination: \/proc\/sys is inside \/proc/, runc: { expect: /inside \/proc/ } },
  { what: 'a host file bound over /proc/uptime (lxcfs\'s way)', config: (c) => c.mounts.push({ destination: '/proc/uptime', type: 'bind', source: '$SRCFILE', options: ['bind'] }),
    check: 'cat /proc/uptime', out: 'source-file\n' },
  { what: 'tmpfs destination under a rootfs symlink to /proc/self/cwd', plant: [['/esc', 'link', '/proc/self/cwd']],
    config: (c) => c.mounts.push({ destination: '/esc/escaped', type: 'tmpfs', source: 'tmpfs' }),
    expect: /mounts\/6.*symbolic links|symbolic links.*mounts\/6/is,
    runc: { expect: undefined, check: 'grep -c "escaped .* - tmpfs " /proc/self/mountinfo', out: '1\n', why: 'runc reads the magic link as a plain one' } },

  // ---- maskedPaths
  { what: 'masked path is an absolute symlink to a host file', plant: [['/etc/secret', 'link', '$FILE'], ['$FILE', 'file', 'inside\n']],
    config: (c) => { c.linux.maskedPaths = ['/etc/secret']; },
    check: 'wc -c < $FILE', out: '0\n' },
  { what: 'masked path is a relative symlink to a host dir', plant: [['/etc/secretdir', 'link', '../../../../$NAME/sub'], ['/$NAME/sub/inner', 'file', 'inside\n']],
    config: (c) => { c.linux.maskedPaths = ['/etc/secretdir']; },
    check: 'ls -A /$NAME/sub | wc -l', out: '0\n' },
  { what: 'masked path is a FIFO', plant: [['/etc/fifo', 'fifo']],
    config: (c) => { c.linux.maskedPaths = ['/etc/fifo']; },
    check: 'stat -c "%F %t:%T" /etc/fifo', out: 'character special file 1:3\n' },
  { what: 'masked path with .. climbing above /', plant: [['/$NAME/file', 'file', 'inside\n']],
    config: (c) => { c.linux.maskedPaths = ['/../../../$NAME/file']; },
    check: 'wc -c < /$NAME/file', out: '0\n' },
  { what: 'masked path through the magic link /proc/self/root', config: (c) => { c.linux.maskedPaths = ['/proc/self/root/etc/passwd']; },
    expect: /linux\/maskedPaths\/0/,
    runc: { expect: undefined, check: 'wc -c < /etc/passwd', out: '0\n', why: 'runc masks the path the magic link names inside the container' } },
  { what: 'masked path is /proc itself', config: (c) => { c.linux.maskedPaths = ['/proc']; },
    expect: /does not reach the exec fifo.*linux\/maskedPaths\/0/, runc: { expect: /open \/proc\/self\/fd/ } },
  { what: 'masked path while /dev/null is a regular file (a /dev bound from the bundle)',
    config: (c) => {
      for (const d of ['/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']) dropMount(c, d);
      c.mounts.push({ destination: '/dev', type: 'bind', source: '$BUNDLE/fakedev', options: ['rbind'] });
      c.linux.maskedPaths = ['/etc/hostname'];
    },
    bundle: [['fakedev/null', 'file', 'not a device\n']],
    expect: /not the null device.*linux\/maskedPaths/is,
    runc: { expect: 'inside', check: 'true', out: '', why: 'runc 1.1 bind-mounts whatever /dev/null is (CVE-2025-31133); tsrunc refuses' } },
  { what: '/dev/null in the rootfs is a symlink to a host file (no /dev tmpfs), then used to mask', plant: [['/dev/null', 'link', '$FILE'], ['/etc/secret', 'file', 'secret\n']],
    config: (c) => { dropMount(c, '/dev'); c.linux.maskedPaths = ['/etc/secret']; },
    check: 'stat -c "%F %t:%T" /dev/null /etc/secret', out: 'character special file 1:3\ncharacter special file 1:3\n',
    runc: { out: 'symbolic link 0:0\ncharacter special file 1:3\n', why: 'runc 1.1 keeps what the rootfs has at a device path; tsrunc replaces it' } },

  // ---- readonlyPaths
  { what: 'read-only path is an absolute symlink to a host dir', plant: [['/etc/rodir', 'link', '$VICTIM/sub'], ['$VICTIM/sub/inner', 'file', 'inside\n']],
    config: (c) => { c.root.readonly = false; c.linux.readonlyPaths = ['/etc/rodir']; },
    check: 'touch $VICTIM/sub/new 2>&1 | grep -c "Read-only"', out: '1\n' },
  { what: 'read-only path is a relative symlink to a host file', plant: [['/etc/rofile', 'link', '../../../../$NAME/file'], ['/$NAME/file', 'file', 'inside\n']],
    config: (c) => { c.root.readonly = false; c.linux.readonlyPaths = ['/etc/rofile']; },
    check: '(echo x >> /$NAME/file) 2>&1 | grep -c "Read-only"', out: '1\n' },
  { what: 'read-only path is a FIFO', plant: [['/etc/rofifo', 'fifo']],
    config: (c) => { c.root.readonly = false; c.linux.readonlyPaths = ['/etc/rofifo']; },
    check: 'grep " /etc/rofifo " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1', out: 'ro\n' },
  { what: 'read-only path with .. climbing above /', plant: [['/$NAME/sub/inner', 'file', 'inside\n']],
    config: (c) => { c.root.readonly = false; c.linux.readonlyPaths = ['/../../../$NAME/sub']; },
    check: 'touch /$NAME/sub/new 2>&1 | grep -c "Read-only"', out: '1\n' },

  { what: 'read-only path through the magic link /proc/self/root', config: (c) => { c.root.readonly = false; c.linux.readonlyPaths = ['/proc/self/root/etc']; },
    expect: /linux\/readonlyPaths\/0/,
    runc: { expect: undefined, check: 'touch /etc/x 2>&1 | grep -c Read-only', out: '1\n', why: 'runc makes the path the magic link names inside the container read-only' } },

  // ---- the working directory (created when missing, as runc does)
  { what: 'cwd is under an absolute symlink to a host dir', plant: [['/work', 'link', '$VICTIM']],
    config: (c) => { c.process.cwd = '/work/newdir'; },
    check: 'readlink /proc/1/cwd', out: '$VICTIM/newdir\n',
    runc: { expect: /mkdir \/work: file exists/, why: 'runc 1.1 makes the cwd with MkdirAll, which stops at the dangling link' } },
  { what: 'cwd is under a relative symlink climbing out', plant: [['/up', 'link', '../../..']],
    config: (c) => { c.process.cwd = '/up/$NAME/newdir'; },
    check: 'readlink /proc/1/cwd', out: '/$NAME/newdir\n' },
  { what: 'cwd with .. climbing above /', config: (c) => { c.process.cwd = '/../../../$NAME/newdir'; },
    check: 'readlink /proc/1/cwd', out: '/$NAME/newdir\n' },
  { what: 'cwd is a FIFO', plant: [['/work', 'fifo']], config: (c) => { c.process.cwd = '/work'; },
    expect: /process\/cwd.*not a directory|not a directory.*process\/cwd/is,
    runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: 'cwd is a symlink to a file', plant: [['/work', 'link', '/etc/passwd']], config: (c) => { c.process.cwd = '/work'; },
    expect: /process\/cwd.*not a directory|not a directory.*process\/cwd/is,
    runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: 'exec --cwd through an absolute symlink to a host dir', plant: [['/xl', 'link', '$VICTIM'], ['$VICTIM/inside-only', 'file', '']],
    execArgs: ['--cwd', '/xl'], check: 'pwd -P; ls', out: '$VICTIM\ninside-only\n' },

  { what: 'exec --cwd with .. climbing above /', execArgs: ['--cwd', '/../../../..'], check: 'pwd -P', out: '/\n' },
  { what: 'exec --cwd through a relative symlink climbing out', plant: [['/xr', 'link', '../../../$NAME'], ['/$NAME/inside-only', 'file', '']],
    execArgs: ['--cwd', '/xr'], check: 'pwd -P; ls', out: '/$NAME\ninside-only\n' },

  // ---- /dev entries
  { what: '/dev is an absolute symlink to a host dir', plant: [['/dev', 'rm'], ['/dev', 'link', '$VICTIM']],
    check: 'stat -c "%F %t:%T" $VICTIM/null; grep -c " $VICTIM .* - tmpfs " /proc/self/mountinfo', out: 'character special file 1:3\n1\n',
    runcEscapes: 'runc 1.1 creates the /dev links (fd, ptmx, stdin...) in the host dir the link names' },
  { what: '/dev is an absolute symlink to a host dir, with a terminal (/dev/console, /dev/pts/ptmx)', terminal: true, plant: [['/dev', 'rm'], ['/dev', 'link', '$VICTIM']],
    check: 'stat -c "%F %t" $VICTIM/console; stat -f -c %T $VICTIM/pts', out: 'character special file 88\ndevpts\n',
    runcEscapes: 'runc 1.1 creates the /dev links (fd, ptmx, stdin...) in the host dir the link names' },
  { what: '/dev is a FIFO', plant: [['/dev', 'rm'], ['/dev', 'fifo']],
    expect: /mounts\/1.*not a directory|not a directory.*mounts\/1/is, runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: '/dev is a regular file', plant: [['/dev', 'rm'], ['/dev', 'file', 'x']],
    expect: /mounts\/1.*not a directory|not a directory.*mounts\/1/is, runc: { expect: /not a directory/i, why: 'runc names no field' } },
  { what: '/dev/pts is a relative symlink climbing to a host dir (no /dev tmpfs)', plant: [['/dev/pts', 'link', '../../../../$NAME']],
    config: (c) => dropMount(c, '/dev'),
    check: 'stat -f -c %T /$NAME', out: 'devpts\n' },
  { what: 'device nodes planted as symlinks to host files and devices (no /dev tmpfs)',
    plant: [['/dev/null', 'link', '$FILE'], ['/dev/tty', 'link', '../../../../$NAME/file'], ['/dev/zero', 'link', '/dev/null'], ['/dev/full', 'fifo']],
    config: (c) => dropMount(c, '/dev'),
    check: 'stat -c "%F %t:%T" /dev/null /dev/tty /dev/zero /dev/full', out: 'character special file 1:3\ncharacter special file 5:0\ncharacter special file 1:5\ncharacter special file 1:7\n',
    runc: { out: 'symbolic link 0:0\nsymbolic link 0:0\nsymbolic link 0:0\nfifo 0:0\n', why: 'runc 1.1 keeps what the rootfs has at a device path' } },
  { what: 'linux.devices path under a symlink to a host dir (no /dev tmpfs)', plant: [['/dev/sub', 'link', '$VICTIM']],
    config: (c) => { dropMount(c, '/dev'); c.linux.devices = [{ path: '/dev/sub/fuse', type: 'c', major: 10, minor: 229 }]; },
    check: 'stat -c "%F %t:%T" $VICTIM/fuse', out: 'character special file a:e5\n' },
  { what: 'linux.devices path with .. climbing above /',
    config: (c) => { c.linux.devices = [{ path: '/dev/../../../$NAME/fuse', type: 'c', major: 10, minor: 229 }]; },
    check: 'stat -c "%F %t:%T" /$NAME/fuse', out: 'character special file a:e5\n' },
  { what: '/dev/pts/ptmx is a ptmx node made in the rootfs (no devpts)', terminal: true, plant: [['/dev/pts/ptmx', 'chr', '5:2']],
    config: (c) => { dropMount(c, '/dev'); dropMount(c, '/dev/pts'); },
    expect: /\/dev\/pts\/ptmx.*process\/terminal/is, runc: { expect: /open \/dev\/ptmx/ } },
  // The kernel finds a ptmx node's devpts at "pts" beside it: here a symlink to the host's /dev/pts.
  { what: '/dev/pts/ptmx is a ptmx node beside a symlink to the host devpts (no devpts)', terminal: true,
    plant: [['/dev/pts/ptmx', 'chr', '5:2'], ['/dev/pts/pts', 'link', '/dev/pts']],
    config: (c) => { dropMount(c, '/dev'); dropMount(c, '/dev/pts'); },
    expect: /\/dev\/pts\/ptmx.*process\/terminal/is, runc: { expect: /open \/dev\/ptmx/ } },
  { what: '/dev/pts/ptmx is a symlink to a host file (no devpts)', terminal: true, plant: [['/dev/pts/ptmx', 'link', '$FILE']],
    config: (c) => { dropMount(c, '/dev'); dropMount(c, '/dev/pts'); },
    expect: /process\/terminal/, runc: { expect: /open \/dev\/ptmx/ } },
  { what: '/dev/console is a symlink to a host file (no /dev tmpfs)', terminal: true, plant: [['/dev/console', 'link', '$FILE']],
    config: (c) => dropMount(c, '/dev'),
    check: 'stat -c "%F %t" /dev/console', out: 'character special file 88\n',
    runc: { expect: /open \/dev\/console/, why: 'runc 1.1 opens the link inside the rootfs and fails; tsrunc replaces it' } },
  { what: '/dev/console is a FIFO (no /dev tmpfs)', terminal: true, plant: [['/dev/console', 'fifo']],
    config: (c) => dropMount(c, '/dev'),
    check: 'stat -c "%F %t" /dev/console', out: 'character special file 88\n' },
  { what: '/dev/console is a directory holding a file (no /dev tmpfs)', terminal: true, plant: [['/dev/console/inner', 'file', 'x']],
    config: (c) => dropMount(c, '/dev'),
    expect: /process\/terminal.*console|console.*process\/terminal/is, runc: { expect: /open \/dev\/console: is a directory/ } },

  // ---- /proc and /sys replaced: refused, as runc does (procfs behind a link would take the init's own
  // later /proc paths with it: the exec FIFO, LSM labels; CVE-2019-19921)
  { what: '/proc is an absolute symlink to a host dir (runc\'s masked and read-only paths)', plant: [['/proc', 'rm'], ['/proc', 'link', '$VICTIM']],
    config: (c) => { c.linux.maskedPaths = RUNC_MASKED; c.linux.readonlyPaths = RUNC_READONLY; },
    expect: ORDINARY(0, 'a symlink'), runc: { expect: /proc.*ordinary directory/ } },
  { what: '/proc is a relative symlink climbing out', plant: [['/proc', 'rm'], ['/proc', 'link', '../../../$NAME']],
    expect: ORDINARY(0, 'a symlink'), runc: { expect: /proc.*ordinary directory/ } },
  { what: '/proc is a regular file', plant: [['/proc', 'rm'], ['/proc', 'file', 'x']],
    expect: ORDINARY(0, 'a regular file'), runc: { expect: /proc.*ordinary directory/ } },
  { what: '/proc is a FIFO', plant: [['/proc', 'rm'], ['/proc', 'fifo']],
    expect: ORDINARY(0, 'a FIFO'), runc: { expect: /proc.*ordinary directory/ } },
  { what: '/sys is an absolute symlink to a host dir', plant: [['/sys', 'rm'], ['/sys', 'link', '$VICTIM']],
    expect: ORDINARY(5, 'a symlink'), runc: { expect: /sysfs.*ordinary directory/ } },
  { what: '/sys is a regular file', plant: [['/sys', 'rm'], ['/sys', 'file', 'x']],
    expect: ORDINARY(5, 'a regular file'), runc: { expect: /sysfs.*ordinary directory/ } },
  { what: '/sys is a FIFO', plant: [['/sys', 'rm'], ['/sys', 'fifo']],
    expect: ORDINARY(5, 'a FIFO'), runc: { expect: /sysfs.*ordinary directory/ } },
];

/** Plants `entries` ([path, kind, arg]) under `dir` (the rootfs or the bundle). */
function plant(dir, entries, fill) {
  for (const [rel, kind, arg] of entries) {
    const p = path.join(dir, fill(rel));
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (kind === 'rm') fs.rmSync(p, { recursive: true, force: true });
    else if (kind === 'link') fs.symlinkSync(fill(arg), p);
    else if (kind === 'fifo') execFileSync('mkfifo', [p]);
    else if (kind === 'file') fs.writeFileSync(p, fill(arg));
    else if (kind === 'dir') fs.mkdirSync(p, { recursive: true });
    else if (kind === 'chr') execFileSync('mknod', [p, 'c', ...arg.split(':')]);
  }
}

/** Fills the $VARIABLES of every string in a config (deep). */
function fillConfig(value, fill) {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((v) => fillConfig(v, fill));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillConfig(v, fill)]));
  return value;
}

/** Mounts in any namespace but `exceptNs` (the container's own) under `dir`. */
const foreignMounts = (dir, exceptNs) => mountsUnder(dir).filter((m) => !exceptNs || !m.startsWith(exceptNs + ' '));


for (const testCase of CASES) {
  // A case runc (RUNTIME=runc) is known to fail is run as failing, so the comparison stays honest.
  (!isTsrunc && testCase.runcEscapes ? test.failing : test)(testCase.what, async (t) => {
    const rt = useRuntime(t);
    figure('hostile: cases', 1);
    // What this runtime is expected to do.
    const c = !isTsrunc && testCase.runc ? { ...testCase, ...testCase.runc } : testCase;
    const expectRefusal = c.expect instanceof RegExp;

    // The canary: a host dir outside the rootfs, and bind sources.
    const { victim, src, srcFile, fill: fillCanaries } = hostCanaries(rt);
    let bundleDir = '';
    const fill = (s) => fillCanaries(s, { $BUNDLE: bundleDir });
    const victimBefore = treeDigest(victim);
    const devicesBefore = hostDevices();

    const bundle = rt.makeBundle((cfg) => {
      cfg.process.args = ['sleep', '1000'];
      cfg.process.terminal = Boolean(c.terminal);
      testCase.config?.(cfg);
    });
    bundleDir = bundle.dir;
    // The config's $VARIABLES, now that the bundle's path is known too.
    fs.writeFileSync(bundle.configPath, JSON.stringify(fillConfig(JSON.parse(fs.readFileSync(bundle.configPath, 'utf8')), fill), null, 2));
    t.is(path.resolve(bundle.rootfs, '../../..'), rt.base, 'bundle layout the relative cases rely on');
    plant(bundle.rootfs, testCase.plant ?? [], fill);
    plant(bundle.dir, testCase.bundle ?? [], fill);

    const id = rt.id('hostile');
    const args = ['create', '--bundle', bundle.dir];
    let cs;
    if (c.terminal) {
      cs = await consoleSocket(rt.hostDir('console'));
      t.teardown(() => cs.close());
      args.push("--console-socket", cs.path);
    }
    const created = await rt.runtime([...args, id]);
    if (expectRefusal) {
      t.not(created.code, 0, `create must refuse: ${created.stdout}`);
      if (c.expect instanceof RegExp) t.regex(created.stderr, c.expect);
      t.log(created.stderr.trim());
      t.deepEqual(await findLeaks(rt, [id]), NO_LEAKS, 'a refused create leaves nothing');
    } else {
      t.is(created.code, 0, created.stderr);
      if (cs) t.teardown(async () => (await cs.terminal()).close());
      const started = await rt.runtime(['start', id]);
      t.is(started.code, 0, started.stderr);
      const { state } = await rt.state(id);
      const ns = fs.readlinkSync(`/proc/${state.pid}/ns/mnt`);
      const r = await rt.runtime(['exec', ...(c.execArgs ?? []), id, 'sh', '-c', fill(c.check)]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stdout, fill(c.out), 'what the container sees');
      t.deepEqual(foreignMounts(rt.base, ns), [], 'no mount of the container in any other mount namespace');
      t.is((await rt.runtime(['delete', '--force', id])).code, 0);
      t.deepEqual(await findLeaks(rt, [id]), NO_LEAKS);
    }
    t.deepEqual(treeDiff(victimBefore, treeDigest(victim)), [], 'the host dir outside the rootfs is unchanged');
    t.deepEqual(hostDevices(), devicesBefore, 'host device nodes unchanged');
    t.is(fs.readFileSync(srcFile, 'utf8'), 'source-file\n');
    t.deepEqual(fs.readdirSync(src), ['from-source']);
  });
}

// The init blocks on the exec FIFO through the container's /proc (/proc/self/fd/N) until `start`.
// A config without a proc mount over a rootfs whose /proc holds plain files at every self/fd/N
// must not let the process run before `start`: create checks, before it reports the container
// ready, that the path reaches its FIFO (and the init checks again what it opened). runc 1.1
// refuses such a /proc at create too, when it closes its fds.
test('a fake /proc in the rootfs (no proc mount) is refused at create; the process never runs', async (t) => {
  const rt = useRuntime(t);
  figure('hostile: cases', 1);
  const scratch = rt.hostDir('scratch');
  const bundle = rt.makeBundle((c) => {
    dropMount(c, '/proc');
    c.root.readonly = false; // the fake files could be opened for writing, as a FIFO would
    c.mounts.push({ destination: '/scratch', type: 'bind', source: scratch, options: ['bind'] });
    c.process.args = ['sh', '-c', 'echo ran > /scratch/ran; sleep 1000'];
  });
  fs.mkdirSync(path.join(bundle.rootfs, 'proc/self/fd'), { recursive: true });
  for (let fd = 0; fd < 64; fd++) fs.writeFileSync(path.join(bundle.rootfs, 'proc/self/fd', String(fd)), '');
  const id = rt.id('fakeproc');
  const created = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.log(created.stderr.trim());
  t.not(created.code, 0);
  t.regex(created.stderr, isTsrunc ? /the container's \/proc does not reach the exec fifo.*\(config\.json \/mounts\)/ : /not on procfs/);
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.false(fs.existsSync(path.join(scratch, 'ran')), 'the process never ran');
  t.deepEqual(await findLeaks(rt, [id]), NO_LEAKS);
});
