// Which controller a cgroup file needs, and why this host cannot provide it.

import type { CgroupHost } from './host';

/** The controller owning a cgroup v2 file ("memory.max" -> "memory"); null for core "cgroup.*" files. */
export function controllerOf(file: string): string | null {
  const controller = file.slice(0, file.indexOf('.'));
  return controller === 'cgroup' || controller === '' ? null : controller;
}

/** Why the container cannot use `controller` on this host, or undefined if the cgroup2 root offers it. */
export function unavailableReason(controller: string, host: CgroupHost): string | undefined {
  if (host.mode !== 'legacy' && host.controllers.includes(controller)) return undefined;
  const inV1 = host.v1Controllers.includes(controller);
  const v2Has = host.controllers.length > 0 ? host.controllers.join(' ') : 'no controllers';
  switch (host.mode) {
    case 'legacy':
      return `this host has no cgroup v2 hierarchy (legacy cgroup v1 only${inV1 ? `: the ${controller} controller belongs to cgroup v1` : ''}); tsrunc manages cgroup v2 only`;
    case 'hybrid':
      return inV1
        ? `this host's cgroups are hybrid: the ${controller} controller belongs to cgroup v1; tsrunc manages cgroup v2 only`
        : `this host's cgroups are hybrid and neither hierarchy has the ${controller} controller (cgroup v2 has: ${v2Has}); tsrunc manages cgroup v2 only`;
    case 'unified':
      return `the host's cgroup v2 hierarchy does not offer the ${controller} controller (it has: ${v2Has})`;
  }
}
