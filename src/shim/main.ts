// containerd-shim-tsrunc-v2's TypeScript roles (bootstrap.ts says which): the serving shim and
// `delete`, each loading only its modules (`delete` no ttrpc). `start`, run for every container,
// is native/shim/launcher.cc, the binary containerd runs, which execs this for the other roles.
import { parseFlags } from './bootstrap';

/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  serve: () => require('./serve') as typeof import('./serve'),
  cleanup: () => require('./cleanup') as typeof import('./cleanup'),
  version: () => require('../version') as typeof import('../version'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export async function shimMain(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags.version) {
    const v = lazy.version().versionInfo();
    process.stdout.write(`containerd-shim-tsrunc-v2:\n  Version:  ${v.version}\n  Revision: ${v.commit}\n  Go version: none (Node.js ${process.version})\n\n`);
    return 0;
  }
  if (!flags.namespace) {
    process.stderr.write('containerd-shim-tsrunc-v2: shim namespace cannot be empty (-namespace)\n');
    return 1;
  }
  switch (flags.action) {
    case 'start':
      process.stderr.write('containerd-shim-tsrunc-v2: `start` is the native launcher\'s (bin/containerd-shim-tsrunc-v2), not this script\'s\n');
      return 1;
    case 'delete':
      return lazy.cleanup().cleanup(flags);
    case '':
      return lazy.serve().serve(flags);
    default:
      process.stderr.write(`containerd-shim-tsrunc-v2: unknown action ${JSON.stringify(flags.action)}\n`);
      return 1;
  }
}
