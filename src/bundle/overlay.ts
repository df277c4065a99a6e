// The bundle's rootfs: an overlay of the image's layers (read-only lower directories, shared by
// every bundle of the image) with the bundle's own upper and work directories, mounted on the host
// by `bundle create` as containerd's overlay snapshotter mounts a snapshot (README: "Where the
// overlay is mounted"). The lower directories are passed relative to the layer store so that many
// layers fit in one page of mount options (containerd's trick).
import { TsruncError } from '../errors';
import { addon } from '../native/addon';

export interface OverlayDirs { rootfs: string; upper: string; work: string }

export const overlayDirs = (bundle: string): OverlayDirs => ({ rootfs: `${bundle}/rootfs`, upper: `${bundle}/overlay/upper`, work: `${bundle}/overlay/work` });

/** Mounts the overlay: `layers` bottom first, as an image lists them (overlayfs wants the top first). */
export function mountOverlay(layers: string[], dirs: OverlayDirs): void {
  if (layers.length === 0) throw new TsruncError('IMAGE_INVALID', 'the image has no layers');
  const base = layers[0].slice(0, layers[0].lastIndexOf('/'));
  const relative = layers.every((l) => l.startsWith(base + '/') && !l.slice(base.length + 1).includes('/'));
  const lower = [...layers].reverse().map((l) => (relative ? l.slice(base.length + 1) : l));
  const options = `lowerdir=${lower.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}`;
  const cwd = process.cwd();
  if (relative) process.chdir(base);
  try {
    addon().mount('overlay', dirs.rootfs, 'overlay', 0, options);
  } catch (e) {
    throw new TsruncError('SYSTEM', `cannot mount the overlay rootfs on ${dirs.rootfs}: ${(e as Error).message}`, { cause: e });
  } finally {
    if (relative) process.chdir(cwd);
  }
}
