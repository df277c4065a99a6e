// OCI/Docker whiteouts and their overlayfs form. In a layer tar, `.wh.NAME` deletes NAME of the
// layers below and `DIR/.wh..wh..opq` hides everything below in DIR (the image-spec's
// "layer.md"); overlayfs expresses the first as a 0/0 character device named NAME and the second
// as the directory's `trusted.overlay.opaque=y` (the kernel's overlayfs.rst), or `user.overlay.opaque=y`
// for an overlay mounted with `userxattr` (by an unprivileged user, in its user namespace: rootless
// bundles). Root's store gets both, so either mount reads it; an unprivileged user can set only the
// user.* one. Other `.wh..wh.` names are aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`) and mean
// nothing to a reader.
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';
export const USER_OPAQUE_XATTR = 'user.overlay.opaque';
/** Every (trusted|user).overlay.* attribute is overlayfs's own: an image may not set one (redirects, origin...). */
export const OVERLAY_XATTR_PREFIXES = ['trusted.overlay.', 'user.overlay.'];

export type Whiteout = { kind: 'opaque' } | { kind: 'delete'; name: string } | { kind: 'meta' } | null;

/** What a base name means as a whiteout; null for an ordinary name. */
export function whiteoutOf(base: string): Whiteout {
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  if (base === OPAQUE_MARKER) return { kind: 'opaque' };
  if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: 'meta' };
  return { kind: 'delete', name: base.slice(WHITEOUT_PREFIX.length) };
}
