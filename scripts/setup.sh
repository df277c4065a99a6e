#!/usr/bin/env bash
# One-step setup on a Debian/Ubuntu machine (as root): system packages, npm dependencies,
# the build (schemas -> validators/types, the Plan schema -> TS + C++ types, the C++ addon and init
# helper, TypeScript) and the default bundle's rootfs. Safe to run again.
#   scripts/setup.sh          what tsrunc needs to build and run
#   scripts/setup.sh --dev    plus what the tests and benchmarks compare against (runc, crun, hyperfine;
#                             gnuplot-nox draws bench/chart.svg)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root (containers need it), e.g. after sudo -i" >&2
  exit 1
fi

# iproute2: linux.netDevices are moved with `ip`. libsystemd-dev: the systemd cgroup driver's addon.
packages=(build-essential cmake nlohmann-json3-dev busybox-static
          libseccomp-dev libsystemd-dev iproute2 ca-certificates)
# --dev: the references the side-by-side tests and the benchmark compare against, newuidmap/newgidmap
# for the rootless tests, and systemd + dbus, which the systemd lane's VM boots from this host's /.
[ "${1:-}" = "--dev" ] && packages+=(runc crun hyperfine gnuplot-nox jq uidmap systemd dbus)
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "setup: tsrunc needs Node.js >= 20 (found $(node --version)); install a newer nodejs package" >&2
  exit 1
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
bash scripts/make-default-bundle.sh

# On PATH like any runtime: containerd's BinaryName, podman's containers.conf and Docker's
# daemon.json name it by path, and the README's examples call plain `tsrunc`. A link (not a copy)
# so a rebuild is picked up; replaced only if it is a link already (never someone's own binary).
# containerd-shim-tsrunc-v2 likewise: containerd finds a shim by its binary name on PATH
# (`ctr run --runtime io.containerd.tsrunc.v2`, a CRI runtime_type "io.containerd.tsrunc.v2").
# `tsrunc` is the native front-end (build/native/Release/tsrunc: state, start, kill and delete
# without starting Node, everything else handed to bin/tsrunc), or bin/tsrunc itself where the
# build made none.
for name in tsrunc containerd-shim-tsrunc-v2; do
  link=/usr/local/bin/$name
  target=$repo/bin/$name
  if [ "$name" = tsrunc ] && [ -x "$repo/build/native/Release/tsrunc" ]; then target=$repo/build/native/Release/tsrunc; fi
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    echo "setup: $link exists and is not a link; leaving it alone (use $target)" >&2
  else
    ln -sfn "$target" "$link"
  fi
done
echo "setup: done. Try: tsrunc run --bundle bundles/default demo"
