// The image's merged tree at `bundle create` time, to seed volumes and look up user names in. Root
// has it on the host: the bundle's rootfs, mounted there. An unprivileged user can mount overlayfs
// only in a mount namespace of its own user namespace, so a rootless bundle's tree is mounted by a
// helper (`unshare --user --map-root-user --mount`, util-linux; `mount -t overlay` with userxattr)
// that holds the namespace while the bundle tool reads the tree through /proc/<helper>/root - a
// path into the helper's mounts that the owner of its user namespace may follow. The helper is
// killed afterwards, and its mount namespace and the mount go with it.
import { spawn } from 'node:child_process';

import { TsruncError } from '../errors';
import type { OverlayDirs } from './overlay';

export async function withMergedView<T>(layers: string[], dirs: OverlayDirs, rootless: boolean, use: (rootfs: string) => T): Promise<T> {
  if (!rootless) return use(dirs.rootfs);
  const options = `userxattr,lowerdir=${[...layers].reverse().join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`;
  const helper = spawn('unshare', ['--user', '--map-root-user', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t overlay -o "$1" overlay "$2" && echo ready && exec sleep 3600', 'sh', options, dirs.rootfs], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    helper.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    await new Promise<void>((resolve, reject) => {
      helper.stdout.setEncoding('utf8').on('data', (s: string) => { if (s.includes('ready')) resolve(); });
      helper.on('error', (e) => reject(new TsruncError('SYSTEM', `cannot run unshare (util-linux) to mount the image for a rootless bundle: ${e.message}`, { cause: e })));
      helper.on('exit', (code) => reject(new TsruncError('SYSTEM', `cannot mount the image's overlay in a user namespace: ${stderr.trim() || `exit ${code}`}`)));
    });
    return use(`/proc/${helper.pid}/root${dirs.rootfs}`);
  } finally {
    if (helper.exitCode === null && helper.signalCode === null) helper.kill('SIGKILL');
  }
}
