// config.json `hooks` -> what the one hook runner (tsrunc-init's native/init/hooks.cc) takes:
// the init runs createContainer and startContainer inside the container's namespaces (from the
// plan); prestart/createRuntime/poststart/poststop run in tsrunc's, by tsrunc-init started as
// their runner (src/runtime/hooks.ts), compiled here from the stored config the same way.
import { pointer } from '../errors';
import type { Hook, Spec } from '../generated/config';
import type { HookPlan, HooksPlan } from './types';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

export function hookList(spec: Spec, kind: HookKind): { hook: Hook; pointer: string }[] {
  return (spec.hooks?.[kind] ?? []).map((hook, i) => ({ hook, pointer: pointer('hooks', kind, i) }));
}

/**
 * A hook's environment, the same wherever it runs (tsrunc for the runtime's hooks, src/runtime/hooks.ts;
 * tsrunc-init for the container's, from the plan): runc's rule (Go's exec.Cmd), a name given twice
 * keeps its last value, where that last one stands. An entry without "=" is dropped: Node cannot
 * pass one, so neither side does (runc would pass it through).
 */
export function hookEnv(env: string[] = []): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = env.length - 1; i >= 0; i--) {
    const eq = env[i].indexOf('=');
    if (eq <= 0) continue;
    const name = env[i].slice(0, eq);
    if (seen.has(name)) continue;
    seen.add(name);
    out.push(env[i]);
  }
  return out.reverse();
}

/** The hooks of `kind` as the one runner (native/init/hooks.cc) takes them, wherever they run. */
export function hookPlans(spec: Spec, kind: HookKind): HookPlan[] {
  return hookList(spec, kind).map(({ hook, pointer: ptr }) => ({
    path: hook.path,
    args: hook.args ?? [],
    env: hookEnv(hook.env),
    timeout: hook.timeout ?? 0,
    pointer: ptr,
  }));
}

export function compileHooks(spec: Spec): HooksPlan {
  return {
    createContainer: hookPlans(spec, 'createContainer'),
    startContainer: hookPlans(spec, 'startContainer'),
    runtimeHooks: hookList(spec, 'prestart').length + hookList(spec, 'createRuntime').length > 0,
  };
}
