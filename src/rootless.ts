// Who runs tsrunc, as runc's rootless mode asks it: a non-root user, or root of a user namespace
// that another user made (rootless podman runs the runtime that way, inside its namespace). Such a
// caller has no privilege over the host: its state lives in $XDG_RUNTIME_DIR, device nodes are
// bound from the host, and cgroups are used only where they were delegated to it.
import * as fs from 'node:fs';

/** The host's whole id range, as /proc/self/uid_map of the initial user namespace shows it. */
const INITIAL_MAP = /^\s*0\s+0\s+4294967295\s*$/;

let inUserNs: boolean | undefined;

/** This process runs in a user namespace other than the host's (runc's userns.RunningInUserNS). */
export function runningInUserNamespace(): boolean {
  if (inUserNs === undefined) {
    try {
      inUserNs = !INITIAL_MAP.test(fs.readFileSync('/proc/self/uid_map', 'utf8'));
    } catch {
      inUserNs = false;
    }
  }
  return inUserNs;
}

/** The caller has no privilege over the host: not root, or root only of a user namespace. */
export function isRootless(): boolean {
  return (process.geteuid?.() ?? 0) !== 0 || runningInUserNamespace();
}

/**
 * The default state root, runc's rule: $XDG_RUNTIME_DIR/tsrunc for a non-root caller, and for root
 * of a user namespace unless $USER says root; otherwise /run/tsrunc.
 */
export function defaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && ((process.geteuid?.() ?? 0) !== 0 || (runningInUserNamespace() && env.USER !== 'root'))) return `${xdg}/tsrunc`;
  return '/run/tsrunc';
}
