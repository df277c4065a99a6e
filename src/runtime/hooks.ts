// The hooks tsrunc runs itself, in the runtime's namespaces: prestart and createRuntime during
// create (the init waits for them after its mounts), poststart after the user process was
// executed, poststop when the container is deleted. Each gets the container's state JSON on
// stdin and exactly the environment the config gives it.

import type { Spec } from '../generated/config';
import { TsruncError } from '../errors';
import type { Logger } from '../logger';
import { hookEnv, hookFailureMessage, hookList, type HookKind } from '../plan/hooks';
import type { StoredState } from '../state/store';
import type { Status } from './status';

const MAX_OUTPUT = 4096;

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

/** hookEnv's list (one entry a name) as the object child_process takes. */
function envObject(env: string[] | undefined): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const kv of hookEnv(env)) out[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  return out;
}

function runOne(path: string, args: string[], env: string[] | undefined, timeout: number, state: string): Promise<string | null> {
  return new Promise((resolve) => {
    // child_process (with net, streams, dgram) loads only when a hook runs: start, kill and
    // delete of a container without hooks must not pay for it at every call.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn(path, args.slice(1), {
      argv0: args[0] ?? path,
      env: envObject(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeout > 0 ? timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    let said = '';
    const collect = (d: Buffer) => (said = (said + d.toString()).slice(0, MAX_OUTPUT));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {}); // a hook may exit without reading its stdin
    child.stdin.end(state);
    child.on('error', (e) => resolve(`cannot run ${path}: ${e.message}`));
    child.on('close', (code, signal) => {
      const tail = said.trim() ? `: ${said.trim()}` : '';
      if (signal === 'SIGKILL' && timeout > 0) resolve(`timed out after ${timeout}s${tail}`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      else if (signal) resolve(`killed by signal ${(require('node:os') as typeof import('node:os')).constants.signals[signal] ?? signal}${tail}`);
      else if (code !== 0) resolve(`exited with status ${code}${tail}`);
      else resolve(null);
    });
  });
}

/**
 * Runs every hook of `kind` in order. `mustSucceed` (every kind but poststop, since runtime-spec
 * 1.3 poststart too): the first failure throws. Otherwise (poststop) a failure is logged and the
 * rest still run, as the runtime spec says.
 */
export async function runHooks(spec: Spec, kind: HookKind, state: string, logger: Logger, mustSucceed: boolean): Promise<void> {
  for (const { hook, pointer } of hookList(spec, kind)) {
    const failure = await runOne(hook.path, hook.args ?? [], hook.env, hook.timeout ?? 0, state);
    if (failure === null) continue;
    const msg = `${hookFailureMessage(kind, hook.path, failure)} (config.json ${pointer})`;
    if (mustSucceed) throw new TsruncError('SETUP_FAILED', msg, { pointer });
    logger.warn(msg);
  }
}
