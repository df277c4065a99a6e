// The process object of an `exec`, built as runc 1.1 builds it: the container's process with
// the command line's args and overrides, or a runtime-spec process object read from --process
// (the form containerd and podman write). tsrunc also applies the flags given explicitly on top
// of a --process file (runc ignores them there).
import * as fs from 'node:fs';

import { TsruncError } from '../errors';
import type { Process, Spec } from '../generated/config';
import { parseConfigJson } from '../spec/load';
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

function readProcessFile(file: string): Process {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw bad(`--process ${file}: ${(e as Error).message}`);
  }
  try {
    return parseConfigJson(text) as Process;
  } catch (e) {
    throw bad(`--process ${file}: not valid JSON: ${(e as Error).message}`);
  }
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
  const p: Process = fromFile ? readProcessFile(flags.processFile!) : structuredClone(config.process ?? { cwd: '/' });
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
  checkProcess(config, p, fromFile);
  return p;
}

/**
 * The schema (for a --process file: the container's own process passed it at create, and flags only
 * add strings and numbers already checked), then runc's own checks of an exec'd process
 * (validateProcessSpec), in its words.
 */
function checkProcess(config: Spec, p: Process, fromFile: boolean): void {
  const problems = fromFile ? validateConfig({ ...config, process: p }).filter((x) => x.pointer.startsWith('/process')) : [];
  if (problems.length > 0) {
    throw new TsruncError('INVALID_ARGUMENT', `invalid process: ${problems.map((x) => `${x.pointer}: ${x.message}`).join('; ')}`, { pointer: problems[0].pointer });
  }
  if (!p.cwd) throw bad('Cwd property must not be empty');
  if (!p.cwd.startsWith('/')) throw bad('Cwd must be an absolute path');
  if (!p.args || p.args.length === 0) throw bad('process args cannot be empty');
}
