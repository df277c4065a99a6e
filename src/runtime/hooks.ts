// The hooks tsrunc runs itself, in the runtime's namespaces: prestart and createRuntime during
// create (the init waits for them after its mounts), poststart after the user process was
// executed, poststop when the container is deleted. Each gets the container's state JSON on
// stdin and exactly the environment the config gives it; tsrunc-init runs them (see runHooks).

import type { Spec } from '../generated/config';
import { INIT_ENV } from '../generated/contract';
import type { RuntimeHooks, SyncError } from '../generated/plan';
import { errnoName, TsruncError } from '../errors';
import type { Logger } from '../logger';
import { initHelperPath } from '../native/addon';
import { hookPlans, type HookKind } from '../plan/hooks';
import type { StoredState } from '../state/store';
import type { Status } from './status';

/** The OCI state a hook reads on stdin. */
export function hookState(stored: Omit<StoredState, 'pidStartTime' | 'config'>, status: Status | 'creating'): string {
  const state: Record<string, unknown> = {
    ociVersion: stored.ociVersion,
    id: stored.id,
    status,
    pid: status === 'stopped' ? 0 : stored.pid,
    bundle: stored.bundle,
  };
  if (Object.keys(stored.annotations).length > 0) state.annotations = stored.annotations;
  return JSON.stringify(state);
}

/**
 * Runs every hook of `kind` in order, by the one hook runner: tsrunc-init, started as the runner of
 * the runtime's hooks (native/init/hooks.cc serve_runtime_hooks), the code the init runs the
 * container's hooks with. So the environment (the plan's hookEnv), the timeout (killed with
 * SIGKILL, "timed out after Ns"), the output quoted and the words of a failure are decided once.
 * It runs in this process's namespaces, cwd and umask, from the binary on disk: it never enters a
 * container, so it needs no sealed copy. `mustSucceed` (every kind but poststop, since
 * runtime-spec 1.3 poststart too): the first failure throws. Otherwise (poststop) a failure is
 * logged and the rest still run, as the runtime spec says.
 */
export async function runHooks(spec: Spec, kind: HookKind, state: string, logger: Logger, mustSucceed: boolean): Promise<void> {
  const hooks = hookPlans(spec, kind);
  if (hooks.length === 0) return;
  const request: RuntimeHooks = { hooks, state, keepGoing: !mustSucceed };
  for (const failure of await runByInit(request)) {
    const msg = `${failure.message} (config.json ${failure.pointer})`;
    if (mustSucceed) throw new TsruncError('SETUP_FAILED', msg, { pointer: failure.pointer, errno: errnoName(failure.errno) });
    logger.warn(msg);
  }
}

/** The failures tsrunc-init reports, one SyncError line each. */
function runByInit(request: RuntimeHooks): Promise<SyncError[]> {
  return new Promise((resolve, reject) => {
    // child_process (with net, streams, dgram) loads only when a hook runs: start, kill and
    // delete of a container without hooks must not pay for it at every call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const helper = initHelperPath();
    const child = spawn(helper, [], { argv0: 'tsrunc-init', env: { [INIT_ENV.runHooks]: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4096)));
    child.stdin.on('error', () => {}); // its exit is reported below
    child.stdin.end(JSON.stringify(request));
    const broken = (why: string, cause?: unknown) => new TsruncError('SYSTEM', `cannot run hooks with ${helper}: ${why}`, { cause });
    child.on('error', (e) => reject(broken(e.message, e)));
    child.on('close', (code, signal) => {
      if (code !== 0 && code !== 1) return reject(broken(signal ? `killed by ${signal}` : `exit status ${code}: ${err.trim()}`));
      try {
        resolve(out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as SyncError));
      } catch (e) {
        reject(broken(`unreadable answer ${JSON.stringify(out)}`, e));
      }
    });
  });
}
