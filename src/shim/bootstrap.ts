// The shim binary's command line (containerd runtime/v2/README.md): `start` launches the serving
// shim (or finds the one already serving the container's group) and prints its address (the
// native launcher, native/shim/launcher.cc, which parses these flags alike); `delete`
// cleans up after a shim that died; without a subcommand it is the serving shim itself, started by
// `start`. containerd runs each with the bundle as cwd and flags in Go's style (-flag value).
export interface ShimFlags {
  namespace: string;
  address: string;
  publishBinary: string;
  id: string;
  bundle: string;
  debug: boolean;
  version: boolean;
  /** start | delete | '' (serve) */
  action: string;
  /** Serving shim: the socket to listen on (set by `start`). */
  socket: string;
  /** Serving shim: what it serves, namespace or pod (set by `start`). */
  group: string;
}

const VALUE_FLAGS: Record<string, keyof ShimFlags> = {
  namespace: 'namespace', address: 'address', 'publish-binary': 'publishBinary', id: 'id', bundle: 'bundle', socket: 'socket', group: 'group',
};

/** Go's flag syntax: -name value, -name=value, --name value; booleans -debug, -v. */
export function parseFlags(argv: string[]): ShimFlags {
  const flags: ShimFlags = { namespace: '', address: '', publishBinary: '', id: '', bundle: '', debug: false, version: false, action: '', socket: '', group: '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      flags.action = arg;
      continue;
    }
    const [name, inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    if (name === 'debug' || name === 'v' || name === 'version') {
      const on = inline === undefined || inline === 'true';
      if (name === 'debug') flags.debug = on;
      else flags.version = on;
      continue;
    }
    const key = VALUE_FLAGS[name];
    if (!key) continue; // flags of newer containerd this shim does not use
    const value = inline ?? argv[++i] ?? '';
    (flags as unknown as Record<string, string>)[key] = value;
  }
  return flags;
}

/** Where the containers' state lives unless the runc options name a Root: <this>/<namespace>. */
export const DEFAULT_STATE_ROOT = '/run/containerd/tsrunc';
