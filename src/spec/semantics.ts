// Semantic checks on a config.json: the rules the JSON schema cannot express (they need the file system,
// cross-field knowledge, or tsrunc's own limits). Each rule is a small function about one concept.
//
// The rules are defensive about types: loadBundle runs them even when the schema check failed, so that a
// user sees every problem at once; a field of the wrong type is simply skipped here (the schema reported it).

import * as fs from 'fs';
import * as path from 'path';
import { pointer, statFailureReason, type ConfigProblem } from '../errors';
import type { Spec } from '../generated/config';

export interface SemanticsResult {
  /** The config is wrong: it cannot be run by any runtime. */
  problems: ConfigProblem[];
  /** The config is valid but uses something tsrunc does not implement yet. */
  unsupported: ConfigProblem[];
  /** Accepted, but probably not what the author meant (or deprecated). */
  warnings: ConfigProblem[];
}

interface Context extends SemanticsResult {
  config: Spec;
  bundle: string;
}

type Rule = (ctx: Context) => void;

const RULES: Rule[] = [
  checkNoNulCharacters,
  checkOciVersion,
  checkProcessPresent,
  checkProcessArgs,
  checkProcessCwd,
  checkProcessEnv,
  checkIntelRdt,
  checkNetDevices,
  checkRoot,
  checkNamespaces,
  checkUserMappings,
  checkHostnameNeedsUts,
  checkMountDestinations,
  checkBindSources,
];

/** Runs every rule; `bundle` is the absolute bundle directory (relative paths in the config start there). */
export function checkSemantics(config: Spec, bundle: string): SemanticsResult {
  const ctx: Context = { config, bundle, problems: [], unsupported: [], warnings: [] };
  if (!isObject(config)) {
    ctx.problems.push({ pointer: '', message: 'must be a JSON object' });
    return result(ctx);
  }
  for (const rule of RULES) rule(ctx);
  return result(ctx);
}

function result(ctx: Context): SemanticsResult {
  return { problems: ctx.problems, unsupported: ctx.unsupported, warnings: ctx.warnings };
}

/** Intel RDT (resctrl) is not implemented: refusing it beats running without the asked-for cache limits. */
function checkIntelRdt(ctx: Context): void {
  const linux: unknown = ctx.config.linux;
  if (isObject(linux) && linux.intelRdt !== undefined) {
    const host = fs.existsSync('/sys/fs/resctrl/schemata') ? '' : ', and this host has no resctrl filesystem at /sys/fs/resctrl (no Intel RDT, or not mounted)';
    ctx.unsupported.push({ pointer: '/linux/intelRdt', message: `linux.intelRdt is not supported: tsrunc does not implement Intel RDT (resctrl)${host}` });
  }
}

/** A network interface name the kernel takes (dev_valid_name): 1-15 bytes, no "/", ":" or space, not "." or "..". */
const IFNAME = /^(?!\.\.?$)[^/:\s]{1,15}$/;

/**
 * linux.netDevices (1.3): each device exists in the runtime's network namespace and goes to a
 * network namespace of the container's own ("MUST check if moving the network interface to the
 * container namespace is possible"): without one it would stay where it is, the host's.
 */
function checkNetDevices(ctx: Context): void {
  const linux: unknown = ctx.config.linux;
  if (!isObject(linux) || !isObject(linux.netDevices)) return;
  const namespaces = Array.isArray(linux.namespaces) ? linux.namespaces : [];
  if (!namespaces.some((n) => isObject(n) && n.type === 'network')) {
    ctx.problems.push({ pointer: '/linux/netDevices', message: 'needs a network namespace (add {"type":"network"} to linux.namespaces): the devices would stay in the host\'s' });
    return;
  }
  for (const [hostName, device] of Object.entries(linux.netDevices)) {
    const at = pointer('linux', 'netDevices', hostName);
    if (!IFNAME.test(hostName)) {
      ctx.problems.push({ pointer: at, message: `"${hostName}" is not a network interface name` });
      continue;
    }
    if (!fs.existsSync(`/sys/class/net/${hostName}`)) {
      ctx.problems.push({ pointer: at, message: `the host has no network device "${hostName}"` });
      continue;
    }
    const name = isObject(device) ? device.name : undefined;
    if (typeof name === 'string' && name !== '' && !IFNAME.test(name)) {
      ctx.problems.push({ pointer: at + '/name', message: `"${name}" is not a network interface name (1-15 characters, no "/", ":" or space)` });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

/**
 * Paths, arguments, environment, hostname, sysctl names and values, cgroup file names: every string of
 * a config ends up as a C string in a system call, where a NUL character ends it early (an argument
 * silently cut short) or is refused (Node's fs threw a TypeError for a root.path with one).
 * Annotations are the one place for opaque data.
 */
function checkNoNulCharacters(ctx: Context): void {
  ctx.problems.push(...nulProblems(ctx.config, ''));
}

/** Every string (and object key) under `value` holding a NUL character; annotations excepted. */
export function nulProblems(value: unknown, at: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (v: unknown, here: string): void => {
    if (typeof v === 'string') {
      if (v.includes('\0')) problems.push({ pointer: here, message: 'must not contain a NUL character (\\u0000)' });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${here}/${i}`));
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        const next = here + pointer(k);
        if (next === '/annotations') continue;
        if (k.includes('\0')) problems.push({ pointer: next, message: 'the name must not contain a NUL character (\\u0000)' });
        walk(x, next);
      }
    }
  };
  walk(value, at);
  return problems;
}

/**
 * process.env entries are NAME=VALUE with a non-empty NAME: runc's init refuses anything else
 * (in these words), for the container's process and for every exec alike.
 */
export function envProblems(env: unknown, at: string): ConfigProblem[] {
  if (!Array.isArray(env)) return [];
  const problems: ConfigProblem[] = [];
  env.forEach((kv: unknown, i) => {
    if (typeof kv !== 'string') return;
    const eq = kv.indexOf('=');
    if (eq < 0) problems.push({ pointer: `${at}/${i}`, message: `invalid environment variable ${JSON.stringify(kv)}: missing '='` });
    else if (eq === 0) problems.push({ pointer: `${at}/${i}`, message: `invalid environment variable ${JSON.stringify(kv)}: name cannot be empty` });
  });
  return problems;
}

function checkProcessEnv(ctx: Context): void {
  const p: unknown = ctx.config.process;
  if (isObject(p)) ctx.problems.push(...envProblems(p.env, '/process/env'));
}

// ---------------------------------------------------------------------------------------------
// Version

/** We implement runtime-spec 1.x; a 2.x document may mean anything. Pre-releases (1.0.2-dev) are fine. */
function checkOciVersion(ctx: Context): void {
  const v: unknown = ctx.config.ociVersion;
  if (typeof v !== 'string') return;
  const m = /^(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?$/.exec(v);
  if (!m) {
    ctx.problems.push({ pointer: '/ociVersion', message: `"${v}" is not a version of the form 1.x.y` });
  } else if (m[1] !== '1') {
    ctx.problems.push({ pointer: '/ociVersion', message: `runtime-spec version ${v} is not supported: tsrunc implements 1.x.y` });
  }
}

// ---------------------------------------------------------------------------------------------
// Process

/** The spec makes `process` optional ("REQUIRED when start is called"); tsrunc's create already
 *  prepares the process, so it needs it up front. */
function checkProcessPresent(ctx: Context): void {
  if (ctx.config.process === undefined) {
    ctx.problems.push({ pointer: '/process', message: 'is required: a container needs a process to run' });
  }
}

/** args[0] is the program to execute; without it there is nothing to start. */
function checkProcessArgs(ctx: Context): void {
  const proc: unknown = ctx.config.process;
  if (!isObject(proc)) return;
  const args = proc.args;
  if (args === undefined) {
    ctx.problems.push({ pointer: '/process/args', message: 'is required: args[0] is the program to run' });
  } else if (Array.isArray(args) && args.length === 0) {
    ctx.problems.push({ pointer: '/process/args', message: 'must not be empty: args[0] is the program to run' });
  }
}

/** The spec requires an absolute cwd: relative to what would it be, before the process exists? */
function checkProcessCwd(ctx: Context): void {
  const proc: unknown = ctx.config.process;
  if (!isObject(proc) || typeof proc.cwd !== 'string') return;
  if (!path.posix.isAbsolute(proc.cwd)) {
    ctx.problems.push({ pointer: '/process/cwd', message: `must be an absolute path, got "${proc.cwd}"` });
  }
}

// ---------------------------------------------------------------------------------------------
// Root filesystem

/** The rootfs (absolute, or relative to the bundle) must be an existing directory: we pivot_root into it. */
function checkRoot(ctx: Context): void {
  const root: unknown = ctx.config.root;
  if (root === undefined) {
    ctx.problems.push({ pointer: '/root', message: 'is required: a Linux container needs a root filesystem' });
    return;
  }
  if (!isObject(root) || typeof root.path !== 'string') return;
  if (root.path === '') {
    ctx.problems.push({ pointer: '/root/path', message: 'must not be empty' });
    return;
  }
  if (root.path.includes('\0')) return; // checkNoNulCharacters said it
  const dir = path.resolve(ctx.bundle, root.path);
  let isDir: boolean;
  try {
    isDir = fs.statSync(dir).isDirectory();
  } catch (e) {
    // ENOENT, or one the compiler's realpath would have thrown later as an untyped error
    // (ENAMETOOLONG for a 5,000-character path, ELOOP, EACCES).
    ctx.problems.push({ pointer: '/root/path', message: `root filesystem ${dir.length > 300 ? dir.slice(0, 300) + '...' : dir} ${statFailureReason(e)}` });
    return;
  }
  if (!isDir) ctx.problems.push({ pointer: '/root/path', message: `root filesystem ${dir} is not a directory` });
}

// ---------------------------------------------------------------------------------------------
// Namespaces

interface NamespaceEntry {
  index: number;
  type: string;
  path?: unknown;
}

function namespaces(config: Spec): NamespaceEntry[] {
  const linux: unknown = config.linux;
  if (!isObject(linux) || !Array.isArray(linux.namespaces)) return [];
  const out: NamespaceEntry[] = [];
  linux.namespaces.forEach((ns: unknown, index: number) => {
    if (isObject(ns) && typeof ns.type === 'string') out.push({ index, type: ns.type, path: ns.path });
  });
  return out;
}

/**
 * Each namespace type may appear once (two entries would mean both "create" and "join", or two joins);
 * a namespace to join must be an absolute path that exists now, or setns() fails half-way through setup.
 */
function checkNamespaces(ctx: Context): void {
  const firstIndex = new Map<string, number>();
  for (const ns of namespaces(ctx.config)) {
    const at = pointer('linux', 'namespaces', ns.index);
    const previous = firstIndex.get(ns.type);
    if (previous !== undefined) {
      ctx.problems.push({
        pointer: at + '/type',
        message: `duplicate namespace "${ns.type}" (also at ${pointer('linux', 'namespaces', previous)})`,
      });
    } else {
      firstIndex.set(ns.type, ns.index);
    }
    checkNamespacePath(ctx, ns, at);
  }
}

function checkNamespacePath(ctx: Context, ns: NamespaceEntry, at: string): void {
  if (typeof ns.path !== 'string' || ns.path === '') return; // "" means "create new", as in runc
  if (!path.isAbsolute(ns.path)) {
    ctx.problems.push({ pointer: at + '/path', message: `must be an absolute path, got "${ns.path}"` });
  } else if (fileKind(ns.path) === 'missing') {
    ctx.problems.push({ pointer: at + '/path', message: `namespace path ${ns.path} does not exist` });
  }
}

/**
 * runc's rules for linux.uidMappings/gidMappings: a new user namespace needs both (without a uid 0
 * mapped the init could not become its root). Mappings without a new user namespace mean nothing:
 * runc 1.1 ignores them, and so does tsrunc, with a warning.
 */
function checkUserMappings(ctx: Context): void {
  const linux: unknown = ctx.config.linux;
  if (!isObject(linux)) return;
  const user = namespaces(ctx.config).find((ns) => ns.type === 'user');
  const fresh = user !== undefined && (typeof user.path !== 'string' || user.path === '');
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const list: unknown = linux[field];
    const given = Array.isArray(list) && list.length > 0;
    if (fresh && !given) {
      ctx.problems.push({ pointer: '/linux/' + field, message: `a new user namespace needs ${field} (at least one mapping)` });
    } else if (!user && given) {
      ctx.warnings.push({ pointer: '/linux/' + field, message: 'ignored: linux.namespaces has no user namespace' });
    } else if (user && !fresh && given) {
      ctx.warnings.push({ pointer: '/linux/' + field, message: 'ignored: the user namespace is joined by path and keeps its own mappings' });
    }
  }
}

/**
 * Setting the host or domain name without a UTS namespace of the container would rename the host. A
 * namespace joined by path counts (the spec and runc set the name there); the plan refuses a joined
 * one that is the runtime's own.
 */
function checkHostnameNeedsUts(ctx: Context): void {
  if (namespaces(ctx.config).some((ns) => ns.type === 'uts')) return;
  for (const field of ['hostname', 'domainname'] as const) {
    const value: unknown = ctx.config[field];
    if (typeof value === 'string' && value !== '') {
      ctx.problems.push({ pointer: '/' + field, message: `setting ${field} requires a UTS namespace (a new one, or one joined by path)` });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Mounts

function mounts(config: Spec): { index: number; mount: Record<string, unknown> }[] {
  const list: unknown = config.mounts;
  if (!Array.isArray(list)) return [];
  const out: { index: number; mount: Record<string, unknown> }[] = [];
  list.forEach((m: unknown, index: number) => {
    if (isObject(m)) out.push({ index, mount: m });
  });
  return out;
}

/**
 * runtime-spec 1.1 says a relative destination is taken relative to "/" (1.0 required absolute paths);
 * runc accepts it the same way, so this is only a warning. Destinations with ".." are resolved inside the
 * rootfs later (securejoin), nothing to check here.
 */
function checkMountDestinations(ctx: Context): void {
  for (const { index, mount } of mounts(ctx.config)) {
    const dest = mount.destination;
    if (typeof dest !== 'string') continue;
    const at = pointer('mounts', index, 'destination');
    if (dest === '') {
      ctx.problems.push({ pointer: at, message: 'must not be empty' });
    } else if (!path.posix.isAbsolute(dest)) {
      ctx.warnings.push({ pointer: at, message: `relative destination "${dest}" is taken relative to "/"` });
    }
  }
}

/** True for a bind mount: type "bind", or a "bind"/"rbind" option (runc treats both the same). */
export function isBindMount(mount: { type?: unknown; options?: unknown }): boolean {
  if (mount.type === 'bind') return true;
  return Array.isArray(mount.options) && mount.options.some((o) => o === 'bind' || o === 'rbind');
}

/**
 * A bind mount needs a source. Whether it exists is checked once, by the compiler (src/plan/mounts.ts),
 * which stats it anyway to know whether the mount point is a file or a directory.
 */
function checkBindSources(ctx: Context): void {
  for (const { index, mount } of mounts(ctx.config)) {
    if (!isBindMount(mount)) continue;
    const at = pointer('mounts', index, 'source');
    if (mount.source === undefined || mount.source === '') {
      ctx.problems.push({ pointer: at, message: 'is required for a bind mount' });
      continue;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Follows symlinks, as mount(2) and pivot_root will. A stat error other than "does not exist" (e.g.
 *  EACCES) gives 'unknown': the real operation will report it more precisely than we could. */
function fileKind(p: string): 'missing' | 'directory' | 'file' | 'unknown' {
  try {
    return fs.statSync(p).isDirectory() ? 'directory' : 'file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
}
