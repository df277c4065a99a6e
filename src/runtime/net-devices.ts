// linux.netDevices (runtime-spec 1.3): host network interfaces moved into the container's network
// namespace, under their new names, with their permanent global addresses, and set up.
//
// Done by tsrunc once the init exists (its network namespace does) and before it is told to go on,
// with iproute2's `ip` (rtnetlink; nsenter for the container's side): only a create that asks for
// net devices pays for the processes. Each device travels under a temporary name, so that a name
// already taken in the container (or a "%d" template) is settled inside the namespace by a rename,
// and a refused rename can send the device back under its own name.
//
// Nothing moves them back: the spec says the runtime "MUST NOT attempt to move the interface out of
// the namespace before deletion". When the namespace goes, the kernel returns a physical device to
// the host's namespace and deletes a virtual one (dummy, veth), as it does under runc.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

import { pointer, TsruncError } from '../errors';
import type { LinuxNetDevice } from '../generated/config';

interface AddrInfo { family: string; local: string; prefixlen: number; scope: string; dynamic?: boolean; broadcast?: string }

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => fs.existsSync(p)) ?? 'ip';

function ip(args: string[], netnsOfPid: number | null, what: string, field: string): string {
  const argv = netnsOfPid === null ? [IP, ...args] : ['nsenter', `--net=/proc/${netnsOfPid}/ns/net`, '--', IP, ...args];
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new TsruncError('SETUP_FAILED', `${field}: ${what}: ${(err.stderr ?? err.message).trim()}`, { pointer: field });
  }
}

/** The addresses the spec says travel with a device: permanent (not dynamic), of global scope. */
function permanentGlobalAddresses(hostName: string, field: string): AddrInfo[] {
  const shown = JSON.parse(ip(['-j', 'addr', 'show', 'dev', hostName], null, `cannot read the addresses of ${hostName}`, field)) as { addr_info?: AddrInfo[] }[];
  return (shown[0]?.addr_info ?? []).filter((a) => a.scope === 'global' && !a.dynamic);
}

/** Moves every device of `devices` into the network namespace of `pid` (see above). */
export function moveNetDevices(pid: number, devices: Record<string, LinuxNetDevice | undefined>): void {
  for (const [hostName, spec] of Object.entries(devices)) {
    const field = pointer('linux', 'netDevices', hostName);
    const wanted = spec?.name || hostName;
    const addresses = permanentGlobalAddresses(hostName, field);
    const temporary = `tsr${crypto.randomBytes(5).toString('hex')}`;
    ip(['link', 'set', 'dev', hostName, 'netns', String(pid), 'name', temporary], null, `cannot move network device ${hostName} into the container's network namespace`, field);
    const [{ ifindex }] = JSON.parse(ip(['-j', 'link', 'show', 'dev', temporary], pid, `cannot find ${hostName} in the container`, field)) as { ifindex: number }[];
    try {
      ip(['link', 'set', 'dev', temporary, 'name', wanted], pid, `cannot name network device ${hostName} "${wanted}" in the container (a device of that name exists there; end the name with %d to let the kernel number it)`, pointer('linux', 'netDevices', hostName, 'name'));
    } catch (e) {
      // Back to the runtime's namespace, under its own name, as it was (best effort).
      try { ip(['link', 'set', 'dev', temporary, 'netns', String(process.pid), 'name', hostName], pid, 'move back', field); } catch { /* reported below */ }
      try { for (const a of addresses) ip(['addr', 'add', `${a.local}/${a.prefixlen}`, 'dev', hostName], null, 'address', field); } catch { /* reported below */ }
      throw e;
    }
    const links = JSON.parse(ip(['-j', 'link', 'show'], pid, `cannot list the container's network devices`, field)) as { ifindex: number; ifname: string }[];
    const name = links.find((l) => l.ifindex === ifindex)?.ifname ?? wanted;
    for (const a of addresses) {
      const brd = a.family === 'inet' && a.broadcast ? ['broadcast', a.broadcast] : [];
      ip(['addr', 'add', `${a.local}/${a.prefixlen}`, ...brd, 'dev', name], pid, `cannot give ${name} its address ${a.local}/${a.prefixlen} in the container`, field);
    }
    ip(['link', 'set', 'dev', name, 'up'], pid, `cannot set ${name} up in the container`, field);
  }
}
