// A container path resolved inside a rootfs on the host, as the container would resolve it:
// symlinks (absolute or climbing) stay inside the root (filepath-securejoin's rule). Used to read
// the image's /etc/passwd and /etc/group and to find a volume's seed content.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { TsruncError } from '../errors';

/** The host path of `ctrPath` under `root`; null when some component does not exist. */
export function resolveInRoot(root: string, ctrPath: string): string | null {
  let todo = ctrPath.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const at = path.join(root, ...done, part);
    const st = fs.lstatSync(at, { throwIfNoEntry: false });
    if (!st) return null;
    if (st.isSymbolicLink()) {
      if (++links > 40) throw new TsruncError('IMAGE_INVALID', `${ctrPath}: too many levels of symbolic links in the image`);
      const target = fs.readlinkSync(at);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...todo];
      continue;
    }
    done.push(part);
  }
  return path.join(root, ...done);
}
