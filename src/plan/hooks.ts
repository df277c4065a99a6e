// config.json `hooks` -> the hooks tsrunc-init runs inside the container's namespaces
// (createContainer, startContainer). prestart/createRuntime/poststart/poststop run in tsrunc
// itself (src/runtime/hooks.ts) straight from the stored config.
import { pointer } from '../errors';
import type { Hook, Spec } from '../generated/config';
import type { HookPlan, HooksPlan } from './types';

export type HookKind = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

export function hookList(spec: Spec, kind: HookKind): { hook: Hook; pointer: string }[] {
  return (spec.hooks?.[kind] ?? []).map((hook, i) => ({ hook, pointer: pointer('hooks', kind, i) }));
}

function toPlan(spec: Spec, kind: HookKind): HookPlan[] {
  return hookList(spec, kind).map(({ hook, pointer: ptr }) => ({
    path: hook.path,
    args: hook.args ?? [],
    env: hook.env ?? [],
    timeout: hook.timeout ?? 0,
    pointer: ptr,
  }));
}

export function compileHooks(spec: Spec): HooksPlan {
  return {
    createContainer: toPlan(spec, 'createContainer'),
    startContainer: toPlan(spec, 'startContainer'),
    runtimeHooks: hookList(spec, 'prestart').length + hookList(spec, 'createRuntime').length > 0,
  };
}
