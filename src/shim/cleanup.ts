// `delete`: containerd lost its shim (killed, crashed) with a container still there. Everything the
// shim made is removed - the container (killed if alive, its cgroups and state) and the rootfs
// mount - and a DeleteResponse is printed (exit status 137, as the runc shim reports a container
// it had to kill).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { create, toBinary } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';

import { TsruncError } from '../errors';
import { DeleteResponseSchema } from '../generated/shim/containerd/task/v2/shim_pb';
import { Runtime } from '../runtime/runtime';
import { DEFAULT_STATE_ROOT, type ShimFlags } from './bootstrap';
import { unmountRootfs } from './rootfs';

export async function cleanup(flags: ShimFlags): Promise<number> {
  const bundle = flags.bundle || process.cwd();
  let root = DEFAULT_STATE_ROOT;
  try {
    root = (JSON.parse(fs.readFileSync(path.join(bundle, 'options.json'), 'utf8')) as { root?: string }).root || root;
  } catch {
    // the default root
  }
  try {
    await new Runtime({ root: path.join(root, flags.namespace) }).delete(flags.id, { force: true });
  } catch (e) {
    if (!(e instanceof TsruncError && e.code === 'CONTAINER_NOT_FOUND')) process.stderr.write(`containerd-shim-tsrunc-v2: delete ${flags.id}: ${(e as Error).message}\n`);
  }
  unmountRootfs(bundle);
  process.stdout.write(toBinary(DeleteResponseSchema, create(DeleteResponseSchema, { exitStatus: 137, exitedAt: timestampNow() })));
  return 0;
}
