// The process object of an `exec`, built as runc 1.1 builds it: the container's process with
// the command line's args and overrides, or a runtime-spec process object read from --process
// (the form containerd and podman write). tsrunc also applies the flags given explicitly on top
// of a --process file (runc ignores them there).
import { ConfigError, TsruncError } from '../errors';
import type { Process, Spec } from '../generated/config';
import { checkNumbers, parseConfigJson } from '../spec/load';
import { readInput } from '../spec/read-input';
import { envProblems, nulProblems } from '../spec/semantics';
import { validateConfig } from '../spec/validate';

export interface ExecProcessFlags {
  /** --process FILE */
  processFile?: string;
  /** The command and its arguments (after the container id). */
  args?: string[];
  cwd?: string;
  env?: string[];
  tty?: boolean;
  /** "UID[:GID]" */
  user?: string;
  additionalGids?: (string | number)[];
  caps?: string[];
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
}

const bad = (message: string) => new TsruncError('INVALID_ARGUMENT', message);

function readProcessFile(file: string, config: Spec): Process {
  let text: string;
  try {
    text = readInput(file);
  } catch (e) {
    throw new TsruncError('INVALID_ARGUMENT', `--process ${file}: ${(e as Error).message}`, { cause: e, pointer: '' });
  }
  let doc: unknown;
  try {
    doc = parseConfigJson(text);
  } catch (e) {
    // parseConfigJson's ConfigError speaks of config.json; this is the process file.
    const why = e instanceof ConfigError ? e.problems.map((p) => p.message).join('; ') : (e as Error).message;
    throw new TsruncError('INVALID_ARGUMENT', `--process ${file}: ${why}`, { pointer: '' });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new TsruncError('INVALID_ARGUMENT', `--process ${file}: must be a JSON object (a runtime-spec process), got ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`, { pointer: '' });
  }
  // Checked before the flags are laid over it: they take its fields' types for granted (an "env"
  // that is an object made the merge throw a TypeError). args and cwd may come from the flags, so
  // their absence is left to checkProcess.
  const problems = [
    ...checkNumbers(doc, '/process'),
    ...validateConfig({ ...config, process: { args: [''], cwd: '/', ...doc } }).filter((x) => x.pointer.startsWith('/process')),
  ];
  if (problems.length > 0) {
    throw new TsruncError('INVALID_ARGUMENT', `invalid process: ${problems.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`, { pointer: problems[0].pointer });
  }
  return doc as Process;
}

function parseId(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 0xffffffff) throw bad(`parsing ${text} as int for ${what} failed`);
  return Number(text);
}

/** Environment with later entries replacing earlier ones of the same name, in first-seen order (runc). */
export function mergeEnv(env: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const kv of env) {
    const eq = kv.indexOf('=');
    byName.set(eq >= 0 ? kv.slice(0, eq) : kv, kv);
  }
  return [...byName.values()];
}

export function execProcess(config: Spec, flags: ExecProcessFlags): Process {
  const fromFile = flags.processFile !== undefined;
  const p: Process = fromFile ? readProcessFile(flags.processFile!, config) : structuredClone(config.process ?? { cwd: '/' });
  if (!fromFile) {
    p.args = flags.args ?? [];
    p.terminal = flags.tty ?? false;
  } else {
    if (flags.args && flags.args.length > 0) p.args = flags.args;
    if (flags.tty !== undefined) p.terminal = flags.tty;
  }
  if (flags.cwd) p.cwd = flags.cwd;
  if (flags.apparmor) p.apparmorProfile = flags.apparmor;
  if (flags.processLabel) p.selinuxLabel = flags.processLabel;
  if (flags.caps && flags.caps.length > 0) {
    const c = (p.capabilities ??= {});
    // runc 1.1.2+ (after CVE-2022-29162): bounding, effective, permitted and ambient, never inheritable.
    for (const set of ['bounding', 'effective', 'permitted', 'ambient'] as const) c[set] = [...(c[set] ?? []), ...flags.caps];
  }
  if (flags.env && flags.env.length > 0) p.env = [...(p.env ?? []), ...flags.env];
  if (p.env) p.env = mergeEnv(p.env);
  if (flags.noNewPrivs) p.noNewPrivileges = true;
  if (flags.user) {
    const [uid, gid] = flags.user.split(':');
    p.user = { ...p.user, uid: parseId(uid, 'uid') };
    if (gid !== undefined) p.user.gid = parseId(gid, 'gid');
  }
  if (flags.additionalGids && flags.additionalGids.length > 0) {
    p.user = { uid: 0, gid: 0, ...p.user };
    p.user.additionalGids = [...(p.user.additionalGids ?? []), ...flags.additionalGids.map((g) => parseId(String(g), 'additional gid'))];
  }
  checkProcess(p);
  return p;
}

/**
 * runc's own checks of an exec'd process (validateProcessSpec), in its words; then what config.json's
 * process gets too, on the process as merged from the file and the flags: no NUL character in any
 * string (a C string would end there: `"a\u0000b"` ran `a`) and NAME=VALUE environment entries.
 */
function checkProcess(p: Process): void {
  if (!p.cwd) throw bad('Cwd property must not be empty');
  if (!p.cwd.startsWith('/')) throw bad('Cwd must be an absolute path');
  if (!p.args || p.args.length === 0) throw bad('process args cannot be empty');
  const problems = [...nulProblems(p, '/process'), ...envProblems(p.env, '/process/env')];
  if (problems.length > 0) {
    throw new TsruncError('INVALID_ARGUMENT', `invalid process: ${problems.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`, { pointer: problems[0].pointer });
  }
}
