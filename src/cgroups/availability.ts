// Which controller a cgroup file needs, and why this host cannot provide it.

import type { CgroupHost } from './host';

/** The controller owning a cgroup file ("memory.max" -> "memory"); null for core "cgroup.*" files. */
export function controllerOf(file: string): string | null {
  const controller = file.slice(0, file.indexOf('.'));
  return controller === 'cgroup' || controller === '' ? null : controller;
}

/**
 * Why the cgroup v2 driver cannot use `controller`, or undefined if the cgroup2 root offers it. The
 * v2 driver runs on unified hosts only (plan.ts); hybrid and legacy hosts get the v1 driver.
 */
export function unavailableReason(controller: string, host: CgroupHost): string | undefined {
  if (host.controllers.includes(controller)) return undefined;
  return `the host's cgroup v2 hierarchy does not offer the ${controller} controller (it has: ${host.controllers.join(' ') || 'none'})`;
}
