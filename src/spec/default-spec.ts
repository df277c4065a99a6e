// The config `tsrunc spec` writes: the same document as `runc spec` (runc 1.1), interactive like
// runc's (terminal: true, args ["sh"]: `tsrunc run ID` gives a shell; bundles/default is a separate,
// non-interactive config that prints a greeting), with two differences: the hostname is "tsrunc", and
// there is no process.capabilities.ambient. runc lists its three capabilities as ambient too, but not as
// inheritable, and an ambient capability must be both permitted and inheritable to be raised: runc
// silently skips them, tsrunc warns about them (plan/capabilities.ts). Left out, the container gets
// exactly the capabilities it gets under runc, and the runtime's own default runs without a warning.

import * as path from 'path';
import { TsruncError } from '../errors';
import type { Mount, Spec } from '../generated/config';
import { OCI_VERSION } from '../version';

/** The runtime-spec version written into new configs (the one runc 1.5 writes, and the schemas'). */
export const DEFAULT_OCI_VERSION = OCI_VERSION;

export interface DefaultSpecOptions {
  /** `docker run -v` style binds, "HOST:CTR[:ro|rw]"; appended to mounts. */
  binds?: string[];
  /** runc spec --rootless: toRootless() of the default. */
  rootless?: boolean;
}

/** A fresh default config (callers may modify it). Throws INVALID_ARGUMENT for a malformed bind. */
export function defaultSpec(opts: DefaultSpecOptions = {}): Spec {
  const spec = baseSpec(opts);
  return opts.rootless ? toRootless(spec) : spec;
}

/**
 * runc's specconv.ToRootless: what a non-root caller can run. A user namespace mapping the caller's
 * uid and gid to root (the maps a user may write without newuidmap), no network namespace (one
 * of its own would have no interface but lo), /sys bound from the host (a fresh sysfs needs a
 * network namespace), no uid=/gid= mount options (those ids are not mapped) and no resources (a
 * user's cgroups are seldom delegated).
 */
export function toRootless(spec: Spec, euid = process.geteuid?.() ?? 0, egid = process.getegid?.() ?? 0): Spec {
  const linux = spec.linux ?? {};
  linux.namespaces = [...(linux.namespaces ?? []).filter((ns) => ns.type !== 'network' && ns.type !== 'user'), { type: 'user' }];
  linux.uidMappings = [{ containerID: 0, hostID: euid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: egid, size: 1 }];
  delete linux.resources;
  spec.linux = linux;
  spec.mounts = (spec.mounts ?? []).map((m) => path.posix.normalize(m.destination) === '/sys'
    ? { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] }
    : { ...m, ...(m.options ? { options: m.options.filter((o) => !o.startsWith('gid=') && !o.startsWith('uid=')) } : {}) });
  return spec;
}

function baseSpec(opts: DefaultSpecOptions): Spec {
  const caps = () => ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const bindMounts = (opts.binds ?? []).map(parseBind);
  return {
    ociVersion: DEFAULT_OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps(), effective: caps(), permitted: caps() },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tsrunc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      ...bindMounts,
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [
        '/proc/acpi',
        '/proc/asound',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/sys/firmware',
        '/proc/scsi',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * Parses a `docker run -v` style bind, "HOST:CTR" or "HOST:CTR:ro" / "HOST:CTR:rw", into a bind mount.
 * HOST is made absolute (relative to the current directory); CTR must be absolute. The mount is recursive
 * (rbind, like docker) and private, so mounts made later on either side do not propagate to the other.
 * Paths containing ":" cannot be expressed (as with docker -v).
 */
export function parseBind(s: string): Mount {
  const fail = (why: string): never => {
    throw new TsruncError('INVALID_ARGUMENT', `invalid bind ${JSON.stringify(s)}: ${why} (expected HOST:CONTAINER[:ro|rw])`);
  };
  if (typeof s !== 'string') return fail('not a string');
  const parts = s.split(':');
  if (parts.length < 2 || parts.length > 3) fail(parts.length < 2 ? 'missing ":CONTAINER"' : 'too many ":"');
  const [host = '', ctr = '', mode = 'rw'] = parts;
  if (host === '') fail('empty host path');
  if (ctr === '') fail('empty container path');
  if (!path.posix.isAbsolute(ctr)) fail(`container path ${JSON.stringify(ctr)} must be absolute`);
  const destination = path.posix.normalize(ctr).replace(/(.)\/$/, '$1');
  if (destination === '/') fail('container path cannot be "/"');
  if (mode !== 'ro' && mode !== 'rw') fail(`mode must be "ro" or "rw", got ${JSON.stringify(mode)}`);
  return {
    destination,
    type: 'bind',
    source: path.resolve(host),
    options: ['rbind', 'rprivate', mode],
  };
}
