// The systemd manager's D-Bus API, as the systemd cgroup driver uses it: StartTransientUnit (and
// wait for its job), SetUnitProperties, StopUnit (and wait), ResetFailedUnit. The client is
// libsystemd's sd-bus in its own addon (native/systemd/systemd.cc), loaded on first use: only a
// container the systemd driver placed ever maps libsystemd, and no other verb pays for it.
//
// Which systemd instance: the system manager, as root over its private socket
// /run/systemd/private (no dbus-daemon needed, as runc does); or a user's manager (rootless), over
// $XDG_RUNTIME_DIR/systemd/private. Both are direct connections to systemd itself.
import * as path from 'node:path';

import { TsruncError } from '../../errors';
import { BUILD_DIR } from '../../native/addon';
import type { UnitProperty } from './properties';

interface SystemdAddon {
  startTransientUnit(address: string, busClient: boolean, unit: string, props: UnitProperty[], timeoutMs: number): string;
  stopUnit(address: string, busClient: boolean, unit: string, timeoutMs: number): string | null;
  resetFailedUnit(address: string, busClient: boolean, unit: string): boolean;
  setUnitProperties(address: string, busClient: boolean, unit: string, props: UnitProperty[]): void;
  managerControlGroup(address: string, busClient: boolean): string;
}

export type SystemdInstance = 'system' | 'user';

/** How long a unit's job may take, as runc waits for it (30 s). */
const JOB_TIMEOUT_MS = 30000;

let loaded: SystemdAddon | undefined;

function client(): SystemdAddon {
  if (!loaded) {
    const file = path.join(BUILD_DIR, 'tsrunc-systemd.node');
    try {
      const mod = { exports: {} as SystemdAddon };
      process.dlopen(mod, file);
      loaded = mod.exports;
    } catch (e) {
      throw new TsruncError('NOT_SUPPORTED', `the systemd cgroup driver is not available: cannot load ${file}: ${(e as Error).message}\n` +
        'It is built when libsystemd-dev is installed (`apt-get install libsystemd-dev`, then `npm run build:native`).', { cause: e });
    }
  }
  return loaded;
}

/** The D-Bus address of a systemd instance's private socket. */
export function addressOf(instance: SystemdInstance): string {
  if (instance === 'system') return 'unix:path=/run/systemd/private';
  const runtimeDir = process.env.XDG_RUNTIME_DIR || `/run/user/${process.getuid?.() ?? 0}`;
  return `unix:path=${runtimeDir}/systemd/private`;
}

function call<T>(what: string, instance: SystemdInstance, run: (c: SystemdAddon, address: string) => T): T {
  const address = addressOf(instance);
  try {
    return run(client(), address);
  } catch (e) {
    if (e instanceof TsruncError) throw e;
    const err = e as Error & { dbusError?: string };
    throw new TsruncError('SYSTEM', `systemd: ${what}: ${err.message}`, { cause: e, errno: err.dbusError });
  }
}

/**
 * Starts a transient unit and waits for its job. A unit of that name left failed or inactive by
 * an earlier container is reset and the start tried once more (runc does the same).
 */
export function startTransientUnit(instance: SystemdInstance, unit: string, props: UnitProperty[]): void {
  const result = call(`start ${unit}`, instance, (c, address) => {
    try {
      return c.startTransientUnit(address, false, unit, props, JOB_TIMEOUT_MS);
    } catch (e) {
      if ((e as { dbusError?: string }).dbusError !== 'org.freedesktop.systemd1.UnitExists') throw e;
      c.resetFailedUnit(address, false, unit);
      return c.startTransientUnit(address, false, unit, props, JOB_TIMEOUT_MS);
    }
  });
  if (result !== 'done') throw new TsruncError('SETUP_FAILED', `systemd: start ${unit}: its job ended "${result}" (see \`journalctl -u ${unit}\`)`);
}

export function setUnitProperties(instance: SystemdInstance, unit: string, props: UnitProperty[]): void {
  call(`set the properties of ${unit}`, instance, (c, address) => c.setUnitProperties(address, false, unit, props));
}

/**
 * The manager's own cgroup, below which its slices and units live: "/" for the system manager,
 * "/user.slice/user-1000.slice/user@1000.service" for a user's (runc asks for the same property).
 */
export function managerControlGroup(instance: SystemdInstance): string {
  if (instance === 'system') return '/';
  return call('read the manager\'s ControlGroup', instance, (c, address) => c.managerControlGroup(address, false));
}

/** Stops the unit, waits for it, and clears a failed state: nothing is left in `systemctl list-units`. */
export function stopAndResetUnit(instance: SystemdInstance, unit: string): void {
  call(`stop ${unit}`, instance, (c, address) => {
    c.stopUnit(address, false, unit, JOB_TIMEOUT_MS); // null: gone already (an empty scope is collected)
    c.resetFailedUnit(address, false, unit);
  });
}
