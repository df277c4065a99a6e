#!/bin/sh
# Runs a command in a private mount namespace where the cgroup2 mount of this hybrid host
# (/sys/fs/cgroup/unified) is unmounted: crun 1.8 refuses hybrid hosts, and sees a plain cgroup v1
# host here. The host's own mounts are untouched (private propagation). No user namespace is
# involved, so no host device node is ever chowned (see the WARNING in notes/COMMON.md).
exec unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh "$@"
