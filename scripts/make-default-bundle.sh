#!/usr/bin/env bash
# Builds the default demo bundle's rootfs from a static busybox:
#   bundles/default/rootfs (gitignored) next to the committed bundles/default/config.json.
# Usage: scripts/make-default-bundle.sh [BUNDLE_DIR]   (default: <repo>/bundles/default)
# Idempotent: does nothing when the rootfs is already built from the same busybox.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="${1:-$repo/bundles/default}"
rootfs="$bundle/rootfs"

find_busybox() {
  local c
  # Debian's busybox-static installs /bin/busybox; otherwise take any static busybox.
  for c in /bin/busybox /usr/bin/busybox /usr/sbin/busybox /sbin/busybox "$(command -v busybox 2>/dev/null || true)"; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    # A dynamically linked busybox would not run inside an empty rootfs.
    if LC_ALL=C file -L "$c" 2>/dev/null | grep -q 'statically linked' \
       || ! LC_ALL=C ldd "$c" >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  return 1
}

busybox="$(find_busybox)" || {
  echo "make-default-bundle: no static busybox found on this host." >&2
  echo "  install it with: apt-get install busybox-static" >&2
  exit 1
}

stamp="$rootfs/.tsrunc-busybox"
want="$(sha256sum "$busybox" | cut -d' ' -f1)"
if [ -x "$rootfs/bin/busybox" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0   # already built
fi

# Parallel test workers may all get here: build once, under a lock on the bundle dir.
mkdir -p "$bundle"
exec 9<"$bundle"
flock 9
if [ -x "$rootfs/bin/busybox" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0   # built by someone else meanwhile
fi

echo "make-default-bundle: building $rootfs from $busybox" >&2
tmp="$(mktemp -d "$bundle/.rootfs.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,home,mnt,run,var/tmp}
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
chmod 700 "$tmp/root"
install -m 0755 "$busybox" "$tmp/bin/busybox"
for applet in $("$tmp/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$tmp/bin/$applet"
done

cat > "$tmp/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$tmp/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
cat > "$tmp/etc/os-release" <<'OSREL'
NAME="tsrunc busybox demo"
ID=busybox
PRETTY_NAME="tsrunc busybox demo rootfs"
OSREL
echo "$want" > "$tmp/.tsrunc-busybox"

rm -rf "$rootfs"
mv "$tmp" "$rootfs"
trap - EXIT
chmod 755 "$rootfs"
echo "make-default-bundle: done ($(ls "$rootfs/bin" | wc -l) entries in /bin)" >&2
