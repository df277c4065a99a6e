'use strict';
// config.md: root, mounts, process, user, hostname, hooks, annotations, extensibility.
const fs = require('node:fs');
const path = require('node:path');
const { clauses, ERRNO, capMask } = require('../lib/clause');

const clause = clauses('config.md');

const tmpfs = (destination, options = []) => ({ destination, type: 'tmpfs', source: 'tmpfs', options });
const bind = (source, destination, options = ['rbind']) => ({ destination, type: 'bind', source, options });
const addMounts = (...mounts) => (cfg) => { cfg.mounts.push(...mounts); };
const mountAt = (p, dest) => p.mounts.filter((m) => m.mountPoint === dest).pop();
const hook = (script) => ({ path: '/bin/sh', args: ['sh', '-c', script] });

/** A host directory that is a shared mount point (removed with the sandbox). */
function sharedHostMount(c) {
  const dir = c.hostDir('shared');
  c.hostMount(['--bind', dir, dir]);
  c.hostMount(['--make-shared', dir]);
  return dir;
}

/** A host directory with a tmpfs mounted at <dir>/sub (removed with the sandbox). */
function treeWithSubmount(c) {
  const dir = c.hostDir('tree');
  fs.mkdirSync(path.join(dir, 'sub'));
  c.hostMount(['-t', 'tmpfs', '-o', 'size=1m', 'conformance-sub', path.join(dir, 'sub')]);
  return dir;
}

/** A create that must fail: returns nothing, fails the test if the runtime accepted the config. */
async function mustRefuse(c, patch, what) {
  const id = c.id();
  const b = c.bundle(patch);
  const created = await c.rt(['create', '--bundle', b.dir, id]);
  const started = created.code === 0 ? await c.rt(['start', id]) : created;
  c.check(started.code !== 0, `${what} was accepted`);
}

// ------------------------------------------------------------------ Root
clause('Root', 'MUST', '`readonly` (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container, defaults to false.',
  'readonly: true makes / read-only', async (c) => {
    const p = await c.probe({ root: { readonly: true } }, ['-w', '/newfile']);
    c.equal(p.writes['/newfile'], ERRNO.EROFS, 'errno writing /newfile');
  });

clause('Root', 'MUST', '`readonly` (bool, OPTIONAL) If true then the root filesystem MUST be read-only inside the container, defaults to false.',
  'readonly unset: / is writable', async (c) => {
    const p = await c.probe({ root: { readonly: null } }, ['-w', '/newfile']);
    c.equal(p.writes['/newfile'], 0, 'errno writing /newfile');
  });

clause('Root', 'MUST', 'On POSIX platforms, `path` is either an absolute path or a relative path to the bundle.',
  'an absolute root.path works', async (c) => {
    const b = c.bundle({}, ['-r', '/etc/conformance']);
    fs.writeFileSync(path.join(b.rootfs, 'etc/conformance'), 'abs');
    b.config.root.path = b.rootfs;
    fs.writeFileSync(path.join(b.dir, 'config.json'), JSON.stringify(b.config));
    const r = await c.runBundle(b);
    c.check(r.code === 0, `run failed: ${r.stderr.trim()}`);
    c.equal(c.parse(r.stdout).files['/etc/conformance'], 'abs', '/etc/conformance');
  });

// ------------------------------------------------------------------ Mounts
clause('Mounts', 'MUST', 'The runtime MUST mount entries in the listed order.',
  'later mounts cover earlier ones at the same place; nested mounts follow their parents', async (c) => {
    const p = await c.probe(addMounts(tmpfs('/mnt/a', ['size=1m']), tmpfs('/mnt/a', ['size=2m']), tmpfs('/mnt/a/b', ['size=3m'])));
    c.check(mountAt(p, '/mnt/a')?.superOptions.includes('size=2048k'), `top mount at /mnt/a: ${JSON.stringify(mountAt(p, '/mnt/a'))}`);
    c.check(mountAt(p, '/mnt/a/b')?.superOptions.includes('size=3072k'), '/mnt/a/b is not on top of /mnt/a');
  });

clause('Mounts', 'MUST', 'Linux: This value SHOULD be an absolute path. For compatibility with old tools and configurations, it MAY be a relative path, in which case it MUST be interpreted as relative to "/".',
  'a relative destination is relative to /', async (c) => {
    const p = await c.probe(addMounts(tmpfs('mnt/rel')));
    c.check(mountAt(p, '/mnt/rel')?.fsType === 'tmpfs', 'no tmpfs at /mnt/rel');
  });

clause('Mounts', 'MUST', 'Path values for bind mounts are either absolute or relative to the bundle. A mount is a bind mount if it has either `bind` or `rbind` in the options.',
  'a bind mount with a bundle-relative source and no type', async (c) => {
    const b = c.bundle(addMounts({ destination: '/data', source: 'data', options: ['bind'] }), ['-r', '/data/file']);
    fs.mkdirSync(path.join(b.dir, 'data'));
    fs.writeFileSync(path.join(b.dir, 'data/file'), 'relative');
    const r = await c.runBundle(b);
    c.check(r.code === 0, `run failed: ${r.stderr.trim()}`);
    c.equal(c.parse(r.stdout).files['/data/file'], 'relative', '/data/file');
  });

clause('Linux mount options', 'MUST', '`ro`, `nosuid`, `nodev`, `noexec` (MUST): filesystem-independent options of mount(8).',
  'ro, nosuid, nodev, noexec on a bind mount', async (c) => {
    const dir = c.hostDir('vol');
    const p = await c.probe(addMounts(bind(dir, '/vol', ['bind', 'ro', 'nosuid', 'nodev', 'noexec'])), ['-w', '/vol/f']);
    const m = mountAt(p, '/vol');
    const missing = ['ro', 'nosuid', 'nodev', 'noexec'].filter((o) => !m?.options.includes(o));
    c.check(missing.length === 0, `/vol lacks ${missing.join(', ')}: ${m?.options}`);
    c.equal(p.writes['/vol/f'], ERRNO.EROFS, 'errno writing /vol/f');
  });

clause('Linux mount options', 'MUST', '`noatime`, `strictatime`, `nodiratime` (MUST): filesystem-independent options of mount(8).',
  'atime options on tmpfs', async (c) => {
    const p = await c.probe(addMounts(tmpfs('/a', ['noatime']), tmpfs('/b', ['strictatime', 'nodiratime'])));
    c.check(mountAt(p, '/a')?.options.includes('noatime'), `/a: ${mountAt(p, '/a')?.options}`);
    const b = mountAt(p, '/b')?.options ?? [];
    c.check(!b.includes('relatime') && !b.includes('noatime') && b.includes('nodiratime'), `/b: ${b}`);
  });

clause('Linux mount options', 'MUST', '`sync`, `dirsync` (MUST): filesystem-independent options of mount(8).',
  'sync and dirsync on tmpfs', async (c) => {
    const p = await c.probe(addMounts(tmpfs('/s', ['sync', 'dirsync'])));
    const m = mountAt(p, '/s');
    const all = [...(m?.options ?? []), ...(m?.superOptions ?? [])];
    c.check(all.includes('sync') && all.includes('dirsync'), `/s: ${all}`);
  });

clause('Linux mount options', 'SHOULD', '`nosymfollow` (SHOULD): introduced in kernel 5.10.',
  'nosymfollow on tmpfs', async (c) => {
    const p = await c.probe(addMounts(tmpfs('/n', ['nosymfollow'])));
    c.check(mountAt(p, '/n')?.options.includes('nosymfollow'), `/n: ${mountAt(p, '/n')?.options}`);
  });

clause('Linux mount options', 'MUST', '`rbind` (MUST): recursive bind mount.',
  'rbind brings the submounts of the source', async (c) => {
    const dir = treeWithSubmount(c);
    const p = await c.probe(addMounts(bind(dir, '/tree', ['rbind'])));
    c.check(mountAt(p, '/tree/sub')?.fsType === 'tmpfs', 'the submount is missing at /tree/sub');
  });

for (const [option, tag] of [['rprivate', null], ['rshared', 'shared:'], ['rslave', 'master:'], ['runbindable', 'unbindable']]) {
  clause('Linux mount options', 'MUST', `\`${option}\` (MUST): bind mount propagation.`,
    `${option} on a bind mount of a shared host mount`, async (c) => {
      // The source is a shared mount, so that slave and private differ from what it already is.
      const dir = sharedHostMount(c);
      const p = await c.probe(addMounts(bind(dir, '/vol', ['rbind', option])));
      const fields = mountAt(p, '/vol')?.optional ?? [];
      if (tag) c.check(fields.some((f) => f.startsWith(tag)), `/vol propagation fields: ${JSON.stringify(fields)}`);
      else c.check(fields.length === 0, `/vol is not private: ${JSON.stringify(fields)}`);
    });
}

clause('Linux mount options', 'SHOULD', '`rro` (SHOULD): recursive `ro` (mount_setattr AT_RECURSIVE, kernel 5.12).',
  'rro makes submounts read-only too', async (c) => {
    const dir = treeWithSubmount(c);
    const p = await c.probe(addMounts(bind(dir, '/tree', ['rbind', 'rro'])), ['-w', '/tree/sub/f']);
    c.equal(p.writes['/tree/sub/f'], ERRNO.EROFS, 'errno writing /tree/sub/f');
  });

clause('Linux mount options', 'SHOULD', 'Runtimes SHOULD treat unknown options as filesystem-specific ones and pass those as a comma-separated string to the fifth (`const void *data`) argument of mount(2).',
  'tmpfs data options reach the filesystem', async (c) => {
    const p = await c.probe(addMounts(tmpfs('/d', ['size=1m', 'mode=0701', 'nr_inodes=100'])));
    const m = mountAt(p, '/d')?.superOptions ?? [];
    const missing = ['size=1024k', 'mode=701', 'nr_inodes=100'].filter((o) => !m.includes(o));
    c.check(missing.length === 0, `/d super options lack ${missing}: ${m}`);
  });

// ------------------------------------------------------------------ Process
clause('Process', 'REQUIRED', '`process` (object, OPTIONAL) specifies the container process. This property is REQUIRED when `start` is called.',
  'a config without process cannot be started', async (c) => {
    await mustRefuse(c, { process: null }, 'a container without process');
  });

clause('Process', 'OPTIONAL', '`terminal` (bool, OPTIONAL) specifies whether a terminal is attached to the process, defaults to false. As an example, if set to true on Linux a pseudoterminal pair is allocated for the process and the pseudoterminal pty is duplicated on the process\'s standard streams.',
  'terminal: true gives the process a pty on 0, 1, 2', async (c) => {
    const p = await c.probe({ process: { terminal: true } }, [], { tty: true });
    c.equal([p.tty['0'], p.tty['1'], p.tty['2']], [true, true, true], 'isatty(0, 1, 2)');
  });

clause('Process', 'OPTIONAL', '`consoleSize` (object, OPTIONAL) specifies the console size in characters of the terminal.',
  'consoleSize sets the pty size', async (c) => {
    const p = await c.probe({ process: { terminal: true, consoleSize: { height: 33, width: 111 } } }, [], { tty: true });
    c.equal([p.tty.rows, p.tty.cols], [33, 111], 'TIOCGWINSZ (rows, cols)');
   }, { note: 'Intermittent on runc 1.1: it sizes the pty while the process already runs, so the process may see 0x0. crun 1.8 in the foreground sometimes copies the pty output through its error log, mangled.' });

clause('Process', 'MUST', 'Runtimes MUST ignore `consoleSize` if `terminal` is `false` or unset.',
  'consoleSize without terminal is ignored', async (c) => {
    const p = await c.probe({ process: { terminal: false, consoleSize: { height: 33, width: 111 } } });
    c.equal(p.tty['1'], false, 'isatty(1)');
  });

clause('Process', 'REQUIRED', '`cwd` (string, REQUIRED) is the working directory that will be set for the executable. This value MUST be an absolute path.',
  'cwd is the working directory', async (c) => {
    const p = await c.probe({ process: { cwd: '/etc' } });
    c.equal(p.cwd, '/etc', 'getcwd()');
  });

clause('Process', 'OPTIONAL', '`env` (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008\'s `environ`.',
  'env is the process environment', async (c) => {
    const env = ['PATH=/bin:/usr/bin', 'CONFORMANCE=a=b c', 'EMPTY='];
    const p = await c.probe({ process: { env } });
    const missing = env.filter((e) => !p.env.includes(e));
    c.check(missing.length === 0, `environment lacks ${JSON.stringify(missing)}: ${JSON.stringify(p.env)}`);
  });

clause('Process', 'REQUIRED', 'This specification extends the IEEE standard in that at least one entry is REQUIRED (non-Windows), and that entry is used with the same semantics as `execvp`\'s *file*.',
  'args[0] without a slash is looked up in PATH; argv is passed as is', async (c) => {
    const p = await c.probe((cfg) => { cfg.process.env = ['PATH=/nonexistent:/']; cfg.process.args = ['probe', 'two words', '']; });
    c.equal(p.argv, ['probe', 'two words', ''], 'argv');
  });

clause('Process', 'REQUIRED', 'This specification extends the IEEE standard in that at least one entry is REQUIRED (non-Windows), and that entry is used with the same semantics as `execvp`\'s *file*.',
  'empty args is an error', async (c) => {
    await mustRefuse(c, { process: { args: [] } }, 'process.args: []');
  });

// ------------------------------------------------------------------ POSIX process
clause('POSIX process', 'MUST', 'The runtime MUST generate an error for any values which cannot be mapped to a relevant kernel interface.',
  'an unknown rlimit type is an error', async (c) => {
    await mustRefuse(c, { process: { rlimits: [{ type: 'RLIMIT_CONFORMANCE', soft: 1, hard: 1 }] } }, 'RLIMIT_CONFORMANCE');
  });

const RLIMITS = [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 2000 }, { type: 'RLIMIT_CORE', soft: 4096, hard: 8192 }, { type: 'RLIMIT_NPROC', soft: 500, hard: 600 }];
clause('POSIX process', 'MUST', '`soft` (uint64, REQUIRED) the value of the limit enforced for the corresponding resource. `rlim.rlim_cur` MUST match the configured value.',
  'rlim_cur is soft', async (c) => {
    const p = await c.probe({ process: { rlimits: RLIMITS } });
    for (const r of RLIMITS) c.equal(p.rlimits[r.type]?.soft, String(r.soft), `${r.type} soft`);
  });

clause('POSIX process', 'MUST', '`hard` (uint64, REQUIRED) the ceiling for the soft limit that could be set by an unprivileged process. `rlim.rlim_max` MUST match the configured value.',
  'rlim_max is hard', async (c) => {
    const p = await c.probe({ process: { rlimits: RLIMITS } });
    for (const r of RLIMITS) c.equal(p.rlimits[r.type]?.hard, String(r.hard), `${r.type} hard`);
  });

clause('POSIX process', 'MUST', 'If `rlimits` contains duplicated entries with same `type`, the runtime MUST generate an error.',
  'duplicate rlimit types are an error', async (c) => {
    await mustRefuse(c, { process: { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 10 }, { type: 'RLIMIT_NOFILE', soft: 20, hard: 20 }] } }, 'two RLIMIT_NOFILE entries');
  });

// ------------------------------------------------------------------ Linux process
const CAPSETS = { bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'], permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
  inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'], effective: ['CAP_CHOWN', 'CAP_KILL'], ambient: ['CAP_NET_BIND_SERVICE'] };
for (const set of Object.keys(CAPSETS)) {
  clause('Linux process', 'MUST', `\`${set}\` (array of strings, OPTIONAL) the \`${set}\` field is an array of ${set} capabilities that are kept for the process.`,
    `capabilities.${set} is the process's ${set} set`, async (c) => {
      const p = await c.probe({ process: { capabilities: CAPSETS } });
      // Ambient capabilities are also effective and permitted once the process execs.
      const expected = set === 'effective' ? [...new Set([...CAPSETS.effective, ...CAPSETS.ambient])] : CAPSETS[set];
      c.equal(p.capabilities[set]?.toString(16), capMask(expected).toString(16), `${set} mask (hex)`);
    });
}

clause('Linux process', 'MUST', 'Any value which cannot be mapped to a relevant kernel interface MUST cause an error.',
  'an unknown capability name is an error', async (c) => {
    await mustRefuse(c, { process: { capabilities: { bounding: ['CAP_CONFORMANCE'], effective: ['CAP_CONFORMANCE'], permitted: ['CAP_CONFORMANCE'] } } }, 'CAP_CONFORMANCE');
  }, { note: 'Text of runtime-spec v1.0/v1.1 (the version this host\'s schemas and runc implement). v1.2 relaxed it to "MUST be logged as a warning" for capabilities that cannot be granted; an unknown *name* is still a value that cannot be mapped, and tsrunc rejects it so that a typo never silently drops a capability. runc 1.1 ignores unknown names with a warning.' });

clause('Linux process', 'MUST', '`noNewPrivileges` (bool, OPTIONAL) setting `noNewPrivileges` to true prevents the process from gaining additional privileges.',
  'noNewPrivileges sets no_new_privs', async (c) => {
    const p = await c.probe({ process: { noNewPrivileges: true } });
    c.equal(p.noNewPrivs, 1, 'prctl(PR_GET_NO_NEW_PRIVS)');
  });

clause('Linux process', 'MUST', 'If `oomScoreAdj` is set, the runtime MUST set `oom_score_adj` to the given value.',
  'oomScoreAdj is the process\'s oom_score_adj', async (c) => {
    const p = await c.probe({ process: { oomScoreAdj: 123 } });
    c.equal(p.oomScoreAdj.trim(), '123', '/proc/self/oom_score_adj');
  });

clause('Linux process', 'MUST NOT', 'If `oomScoreAdj` is not set, the runtime MUST NOT change the value of `oom_score_adj`.',
  'without oomScoreAdj the caller\'s value is kept', async (c) => {
    const p = await c.probe({}, [], { prelude: 'echo 7 > /proc/self/oom_score_adj' });
    c.equal(p.oomScoreAdj.trim(), '7', '/proc/self/oom_score_adj (the runtime was started with 7)');
  });

clause('Linux process', 'MUST', '`scheduler` (object, OPTIONAL) is an object describing the scheduler properties for the process. `policy` (string, REQUIRED) represents the scheduling policy. `nice` (int32, OPTIONAL) is the nice value for the process.',
  'scheduler policy and nice', async (c) => {
    const p = await c.probe({ process: { scheduler: { policy: 'SCHED_BATCH', nice: 5 } } });
    c.equal([p.schedPolicy, p.nice], [3, 5], '(sched_getscheduler, nice)');
  });

clause('Linux process', 'MUST', '`ioPriority` (object, OPTIONAL) configures the I/O priority settings for the container\'s processes within the process group.',
  'ioPriority class and level', async (c) => {
    const p = await c.probe({ process: { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 } } });
    c.equal(p.ioprio, (2 << 13) | 6, 'ioprio_get(IOPRIO_WHO_PROCESS, 0)');
  });

clause('Linux process', 'MUST', '`apparmorProfile` (string, OPTIONAL) specifies the name of the AppArmor profile for the process.',
  'apparmorProfile confines the process', async (c) => {
    if (!fs.existsSync('/sys/kernel/security/apparmor')) c.skip('this host does not run AppArmor');
    const p = await c.probe({ process: { apparmorProfile: 'unconfined' } }, ['-r', '/proc/self/attr/current']);
    c.check(String(p.files['/proc/self/attr/current']).startsWith('unconfined'), 'label');
  });

clause('Linux process', 'MUST', '`selinuxLabel` (string, OPTIONAL) specifies the SELinux label for the process.',
  'selinuxLabel labels the process', async (c) => {
    if (!fs.existsSync('/sys/fs/selinux/enforce')) c.skip('this host does not run SELinux');
    const label = 'system_u:system_r:container_t:s0';
    const p = await c.probe({ process: { selinuxLabel: label } }, ['-r', '/proc/self/attr/current']);
    c.check(String(p.files['/proc/self/attr/current']).startsWith(label), 'label');
  });

// ------------------------------------------------------------------ User
clause('POSIX-platform User', 'REQUIRED', '`uid` (int, REQUIRED) specifies the user ID in the container namespace. `gid` (int, REQUIRED) specifies the group ID in the container namespace.',
  'uid and gid', async (c) => {
    const p = await c.probe({ process: { user: { uid: 1000, gid: 1001 } } });
    c.equal([p.uid, p.ruid, p.gid, p.rgid], [1000, 1000, 1001, 1001], '(euid, ruid, egid, rgid)');
  });

clause('POSIX-platform User', 'OPTIONAL', '`additionalGids` (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process.',
  'additionalGids are the supplementary groups', async (c) => {
    const p = await c.probe({ process: { user: { uid: 1000, gid: 1000, additionalGids: [5, 6, 4000] } } });
    c.equal([...p.groups].sort((a, b) => a - b), [5, 6, 4000], 'getgroups()');
  });

clause('POSIX-platform User', 'OPTIONAL', '`umask` (int, OPTIONAL) specifies the umask of the user.',
  'umask is the process umask', async (c) => {
    const p = await c.probe({ process: { user: { uid: 0, gid: 0, umask: 0o027 } } });
    c.equal(p.umask, 0o027, 'umask');
  });

clause('POSIX-platform User', 'SHOULD', 'If unspecified, the umask should not be changed from the calling process\' umask.',
  'without umask the caller\'s umask is kept', async (c) => {
    const p = await c.probe({}, [], { prelude: 'umask 077' });
    c.equal(p.umask, 0o077, 'umask (the runtime was started with 077)');
  }, { deliberate: true, note: 'tsrunc keeps runc\'s 0022 when `user.umask` is unset: images and clients expect files a container creates to be readable the same under every caller (a runtime started by a service with UMask=0077 would otherwise make them private).' });

// ------------------------------------------------------------------ Hostname, domainname
clause('Hostname', 'OPTIONAL', '`hostname` (string, OPTIONAL) specifies the container\'s hostname as seen by processes running inside the container. On Linux, for example, this will change the hostname in the container UTS namespace.',
  'hostname in a new UTS namespace', async (c) => {
    const p = await c.probe({ hostname: 'conformance-host' });
    c.equal(p.hostname, 'conformance-host', 'uname().nodename');
  });

clause('Hostname', 'OPTIONAL', '`hostname` (string, OPTIONAL) specifies the container\'s hostname as seen by processes running inside the container. On Linux, for example, this will change the hostname in the container UTS namespace. Depending on your namespace configuration, the container UTS namespace may be the runtime UTS namespace.',
  'hostname in a UTS namespace joined by path', async (c) => {
    const h = await c.holder(['--uts']);
    const p = await c.probe((cfg) => {
      cfg.hostname = 'conformance-joined';
      cfg.linux.namespaces = cfg.linux.namespaces.map((ns) => (ns.type === 'uts' ? { type: 'uts', path: h.path('uts') } : ns));
    });
    c.equal([p.ns.uts, p.hostname], [h.ns('uts'), 'conformance-joined'], '(uts namespace, hostname)');
  });

clause('Domainname', 'OPTIONAL', '`domainname` (string, OPTIONAL) specifies the container\'s domainname as seen by processes running inside the container. On Linux, for example, this will change the domainname in the container UTS namespace.',
  'domainname', async (c) => {
    const p = await c.probe({ domainname: 'conformance.example' });
    c.equal(p.domainname, 'conformance.example', 'uname().domainname');
  });

// ------------------------------------------------------------------ Hooks
/** Hooks of every kind writing "<kind>\n" to a log; container hooks write through /out. */
function recordingHooks(dir) {
  const host = (kind) => hook(`echo ${kind} >> ${dir}/log; cat > ${dir}/${kind}.state; readlink /proc/self/ns/net > ${dir}/${kind}.netns`);
  return {
    prestart: [host('prestart')], createRuntime: [host('createRuntime')], createContainer: [host('createContainer')],
    startContainer: [hook('echo startContainer >> /out/log; cat > /out/startContainer.state; readlink /proc/self/ns/net > /out/startContainer.netns')],
    poststart: [host('poststart')], poststop: [host('poststop')],
  };
}
async function hookedLifecycle(c) {
  const dir = c.hostDir('hooks');
  const { id, bundle } = await c.create((cfg) => {
    cfg.mounts.push({ destination: '/out', type: 'bind', source: dir, options: ['rbind'] });
    cfg.process.args = ['/probe'];
    cfg.hooks = recordingHooks(dir);
  });
  await c.start(id);
  await c.waitForStatus(id, 'stopped');
  const r = await c.rt(['delete', id]);
  c.check(r.code === 0, `delete failed: ${r.stderr.trim()}`);
  const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : null);
  return { id, bundle, dir, read };
}

clause('POSIX-platform Hooks', 'MUST', 'Hooks MUST be called in the listed order.',
  'two hooks of a kind run in order', async (c) => {
    const dir = c.hostDir('hooks');
    const { id } = await c.create({ hooks: { createRuntime: [hook(`echo 1 >> ${dir}/log`), hook(`echo 2 >> ${dir}/log`), hook(`echo 3 >> ${dir}/log`)] } });
    c.check(id, 'create');
    c.equal(fs.readFileSync(path.join(dir, 'log'), 'utf8'), '1\n2\n3\n', 'hook log');
  });

clause('POSIX-platform Hooks', 'MUST', 'The state of the container MUST be passed to hooks over stdin so that they may do work appropriate to the current state of the container.',
  'every hook kind reads the state, with the status of its lifecycle step, on stdin', async (c) => {
    const { id, bundle, read } = await hookedLifecycle(c);
    const expected = { prestart: 'creating', createRuntime: 'creating', createContainer: 'creating', startContainer: 'created', poststart: 'running', poststop: 'stopped' };
    const wrong = [];
    for (const [kind, status] of Object.entries(expected)) {
      let s;
      try { s = JSON.parse(read(`${kind}.state`)); } catch { wrong.push(`${kind}: no state JSON`); continue; }
      if (s.id !== id || s.bundle !== fs.realpathSync(bundle.dir)) wrong.push(`${kind}: id/bundle ${s.id} ${s.bundle}`);
      if (s.status !== status) wrong.push(`${kind}: status "${s.status}", expected "${status}"`);
    }
    c.check(wrong.length === 0, wrong.join('; '));
  }, { note: 'The statuses follow runtime.md State: `creating` during create (step 2), `created` before the user program runs, `running` once it has been executed, `stopped` after it exited. runc 1.1 runs poststart hooks before the user process is executed and passes them `created`.' });

clause('POSIX-platform Hooks', 'MUST', 'The `prestart` hooks MUST be called before the `createRuntime` hooks. / The `createContainer` hooks MUST be called after the `createRuntime` hooks. (Lifecycle order: prestart, createRuntime, createContainer, startContainer, poststart, poststop.)',
  'hook kinds run in lifecycle order', async (c) => {
    const { read } = await hookedLifecycle(c);
    c.equal((read('log') ?? '').trim().split('\n'), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'hook log');
  });

clause('Prestart', 'MUST', 'The `prestart` hooks MUST be called as part of the `create` operation after the runtime environment has been created (according to the configuration in config.json) but before the `pivot_root` or any equivalent operation has been executed.',
  'prestart runs during create', async (c) => {
    const dir = c.hostDir('hooks');
    await c.create({ hooks: { prestart: [hook(`touch ${dir}/ran`)] } });
    c.check(fs.existsSync(path.join(dir, 'ran')), 'prestart had not run when create returned');
  });

clause('CreateRuntime Hooks', 'MUST', 'The `createRuntime` hooks MUST be executed in the runtime namespace.',
  'createRuntime runs in the runtime\'s network namespace', async (c) => {
    const { read } = await hookedLifecycle(c);
    c.equal(read('createRuntime.netns')?.trim(), fs.readlinkSync('/proc/self/ns/net'), 'hook net namespace');
  });

clause('CreateContainer Hooks', 'MUST', 'The `createContainer` hooks MUST be executed in the container namespace.',
  'createContainer runs in the container\'s network namespace', async (c) => {
    const { read } = await hookedLifecycle(c);
    const ns = read('createContainer.netns')?.trim();
    c.check(ns && ns !== fs.readlinkSync('/proc/self/ns/net') && ns === read('startContainer.netns')?.trim(), `hook net namespace ${ns}`);
  });

clause('StartContainer Hooks', 'MUST', 'The `startContainer` hooks\' path MUST resolve in the container namespace. The `startContainer` hooks MUST be executed in the container namespace.',
  'startContainer: a path that exists only in the container runs there', async (c) => {
    const dir = c.hostDir('hooks');
    const b = c.bundle((cfg) => {
      cfg.mounts.push({ destination: '/out', type: 'bind', source: dir, options: ['rbind'] });
      cfg.hooks = { startContainer: [{ path: '/conformance-hook' }] };
    });
    fs.writeFileSync(path.join(b.rootfs, 'conformance-hook'), '#!/bin/sh\nhostname > /out/hostname\n', { mode: 0o755 });
    const id = c.id();
    const r = await c.rt(['create', '--bundle', b.dir, id]);
    c.check(r.code === 0, `create failed: ${r.stderr.trim()}`);
    await c.start(id);
    c.equal(fs.existsSync(path.join(dir, 'hostname')) && fs.readFileSync(path.join(dir, 'hostname'), 'utf8').trim(), b.config.hostname, 'hostname seen by the hook');
  });

clause('Poststart', 'MUST', 'The `poststart` hooks MUST be called after the user-specified process is executed but before the `start` operation returns.',
  'poststart sees the user process and has run when start returns', async (c) => {
    const dir = c.hostDir('hooks');
    const { id } = await c.createShell('while :; do sleep 1; done', {
      hooks: { poststart: [hook(`pid=$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/'); tr '\\0' ' ' < /proc/$pid/cmdline > ${dir}/cmdline`)] },
    });
    await c.start(id);
    const seen = fs.existsSync(path.join(dir, 'cmdline')) ? fs.readFileSync(path.join(dir, 'cmdline'), 'utf8') : null;
    c.equal(seen, 'sh -c while :; do sleep 1; done ', 'cmdline of the state pid, read by the hook before start returned');
  });

clause('Poststop', 'MUST', 'The `poststop` hooks MUST be called after the container is deleted but before the `delete` operation returns.',
  'poststop has run when delete returns', async (c) => {
    const { read } = await hookedLifecycle(c);
    c.check(read('poststop.state') !== null, 'poststop had not run when delete returned');
  });

clause('POSIX-platform Hooks', 'MUST', '`args` (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008 `execv`\'s *argv*. `env` (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008\'s `environ`.',
  'a hook gets exactly its args (argv[0] included) and env', async (c) => {
    const dir = c.hostDir('hooks');
    await c.create({ hooks: { createRuntime: [{ path: '/bin/sh', args: ['conformance-sh', '-c', `echo "$0 $FOO" > ${dir}/out; env | grep -c . >> ${dir}/out`], env: ['FOO=bar'] }] } });
    const lines = fs.readFileSync(path.join(dir, 'out'), 'utf8').trim().split('\n');
    c.equal(lines[0], 'conformance-sh bar', 'argv[0] and $FOO');
    c.check(Number(lines[1]) <= 3, `the hook saw ${lines[1]} environment variables (sh adds PWD/SHLVL), not just FOO`);
  });

clause('POSIX-platform Hooks', 'MUST', '`timeout` (int, OPTIONAL) is the number of seconds before aborting the hook. If set, `timeout` MUST be greater than zero.',
  'a hook past its timeout is aborted and create fails', async (c) => {
    const started = Date.now();
    const b = c.bundle({ hooks: { createRuntime: [{ ...hook('exec sleep 30'), timeout: 1 }] } });
    const r = await c.rt(['create', '--bundle', b.dir, c.id()], { timeout: 25000 });
    c.check(r.code !== 0 && !r.timedOut, `create ${r.timedOut ? 'hung' : 'succeeded'}`);
    c.check(Date.now() - started < 15000, `create took ${Date.now() - started} ms`);
  });

// ------------------------------------------------------------------ Annotations, extensibility, valid values
clause('Annotations', 'MUST NOT', 'Implementations that are reading/processing this configuration file MUST NOT generate an error if they encounter an unknown annotation key.',
  'unknown annotation keys are accepted', async (c) => {
    await c.probe({ annotations: { 'com.example.conformance.unknown': 'x', 'org.example.k': '' } });
  });

clause('Extensibility', 'MUST', 'Runtimes that are reading or processing this configuration file MUST NOT generate an error if they encounter an unknown property. Instead they MUST ignore unknown properties.',
  'unknown properties are ignored', async (c) => {
    await c.probe({ conformanceUnknown: { a: 1 }, process: { conformanceUnknown: true }, linux: { conformanceUnknown: [1] }, root: { conformanceUnknown: 'x' } });
  });

clause('Valid values', 'MUST', 'Runtimes that are reading or processing this configuration file MUST generate an error when invalid or unsupported values are encountered.',
  'an invalid value (a mount with a destination of "") is an error', async (c) => {
    await mustRefuse(c, addMounts({ destination: '', type: 'tmpfs', source: 'tmpfs' }), 'a mount with destination ""');
  });

// ------------------------------------------------------------------ runtime-spec 1.1 - 1.3
const nCpus = () => Number(/^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1].split(/[-,]/).pop()) + 1;

clause('Linux Process', 'OPTIONAL', '`execCPUAffinity` (object, OPTIONAL) specifies CPU affinity used to execute the process. ... `final` (string, OPTIONAL) is a list of CPUs the process will be run on after the transition to container\'s cgroup.',
  'exec with execCPUAffinity.final runs on those CPUs', async (c) => {
    if (nCpus() < 2) c.skip('this host has one CPU');
    const { id } = await c.createShell('while :; do sleep 1; done');
    await c.start(id);
    const file = path.join(c.hostDir('proc'), 'process.json');
    const last = String(nCpus() - 1);
    fs.writeFileSync(file, JSON.stringify({ args: ['grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', env: ['PATH=/bin'], execCPUAffinity: { initial: '0', final: last } }));
    const r = await c.rt(['exec', '-p', file, id]);
    c.check(r.code === 0, `exec failed (${r.exit}): ${r.stderr.trim()}`);
    c.equal((/Cpus_allowed_list:\s*(\S+)/.exec(r.stdout) ?? [])[1], last, 'Cpus_allowed_list of the exec\'d process');
  }, { note: 'Added in runtime-spec 1.2.1 (quoted from the 1.3.0 text).' });

module.exports = clause.list;
