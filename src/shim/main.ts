// containerd-shim-tsrunc-v2: the entry of each of its three roles (bootstrap.ts says which).
// Each role loads only its modules: `start` (run for every container) needs no protobuf runtime,
// no Runtime and no addon; `delete` no ttrpc.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { groupId, parseFlags, socketPath, type ShimFlags } from './bootstrap';

/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  serve: () => require('./serve') as typeof import('./serve'),
  cleanup: () => require('./cleanup') as typeof import('./cleanup'),
  version: () => require('../version') as typeof import('../version'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `start`: the address of the shim serving this container's group, started if there is none. */
async function start(flags: ShimFlags): Promise<number> {
  const bundle = process.cwd();
  const socket = socketPath(flags.address, flags.namespace, groupId(bundle, flags.id));
  const address = `unix://${socket}`;
  if (fs.existsSync(socket)) {
    if (await canConnect(socket)) {
      fs.writeFileSync(path.join(bundle, 'address'), address);
      process.stdout.write(address);
      return 0;
    }
    fs.rmSync(socket, { force: true }); // a dead shim's
  }
  fs.mkdirSync(path.dirname(socket), { recursive: true, mode: 0o711 });
  // The serving shim: this binary again without a subcommand, in a session of its own (containerd
  // may exit, the shim stays), reporting on fd 3 once it listens.
  const { spawn } = require('node:child_process') as typeof import('node:child_process'); // eslint-disable-line @typescript-eslint/no-require-imports
  const args = [...process.execArgv, process.argv[1], '-namespace', flags.namespace, '-id', flags.id, '-address', flags.address, '-publish-binary', flags.publishBinary, '-socket', socket];
  if (flags.debug) args.push('-debug');
  const child = spawn(process.execPath, args, { cwd: bundle, detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const ready = await new Promise<string>((resolve) => {
    let said = '';
    child.stdio[3]!.on('data', (b: Buffer) => (said += b.toString()));
    child.stdio[3]!.on('end', () => resolve(said));
    child.once('exit', (code) => resolve(said || `exited with status ${code}`));
    child.once('error', (e) => resolve(e.message));
  });
  if (ready.trim() !== 'ready') {
    process.stderr.write(`containerd-shim-tsrunc-v2: the shim did not start: ${ready.trim()}\n`);
    return 1;
  }
  child.unref();
  (child.stdio[3] as net.Socket).destroy();
  fs.writeFileSync(path.join(bundle, 'address'), address);
  fs.writeFileSync(path.join(bundle, 'shim.pid'), String(child.pid));
  process.stdout.write(address);
  return 0;
}

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
      return start(flags);
    case 'delete':
      return lazy.cleanup().cleanup(flags);
    case '':
      return lazy.serve().serve(flags);
    default:
      process.stderr.write(`containerd-shim-tsrunc-v2: unknown action ${JSON.stringify(flags.action)}\n`);
      return 1;
  }
}
