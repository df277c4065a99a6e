#!/usr/bin/env bash
# The systemd cgroup driver lane: runs test/systemd/*.test.js, which need systemd as PID 1 with a
# pure cgroup v2 hierarchy (a production-shaped host). On such a host they run directly; on any
# other inside one throw-away VM booted with systemd by vm-run --systemd (../shared/tools/vm-run).
# The VM is software-emulated: one boot, one ava run, serial. RUNTIME is passed through
# (RUNTIME=runc runs the same tests against runc's systemd driver).
#
# SYSTEMD_CGROUPS=hybrid runs test/systemd-hybrid instead, on a VM whose systemd mounts hybrid
# cgroups (systemd.unified_cgroup_hierarchy=0: the v1 controllers, cgroup2 at /sys/fs/cgroup/unified),
# the layout of Ubuntu 20.04 and RHEL 8 hosts.
#
# Usage (as root): scripts/test-systemd.sh [test files...]   (default: all of test/systemd)
#   SYSTEMD_CGROUPS     unified (default) or hybrid
#   SYSTEMD_VM_TIMEOUT  seconds before the VM is killed (default 900)
#   VM_RUN              the vm-run to use (default ../shared/tools/vm-run)
# Exits with ava's status; when the VM cannot run at all, says so and exits non-zero.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

mode=${SYSTEMD_CGROUPS:-unified}
case "$mode" in
  unified) dir=test/systemd; here_ok() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }; append= ;;
  hybrid) dir=test/systemd-hybrid; here_ok() { [ -d /sys/fs/cgroup/memory ] && [ -f /sys/fs/cgroup/unified/cgroup.procs ]; }
    append="systemd.unified_cgroup_hierarchy=0" ;;
  *) echo "test-systemd: SYSTEMD_CGROUPS must be unified or hybrid" >&2; exit 2 ;;
esac
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$dir"/*.test.js)
ava=(npx ava "${files[@]}" --serial --timeout=10m)

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ] && here_ok; then
  echo "test-systemd: this host runs systemd with $mode cgroups: running the tests directly"
  exec "${ava[@]}"
fi

vm_run="${VM_RUN:-$(dirname "$repo")/shared/tools/vm-run}"
if [ ! -x "$vm_run" ]; then
  echo "test-systemd: FAILED: this host does not run systemd with cgroup v2 and there is no $vm_run to boot a VM that does" >&2
  exit 1
fi
env_args=()
[ -z "${RUNTIME:-}" ] || env_args=(--env RUNTIME)
echo "test-systemd: running the tests in a systemd VM with $mode cgroups (${RUNTIME:-tsrunc})"
start=$SECONDS
set +e
# vm-run's kernel command line says unified; systemd takes the last of a repeated setting.
VM_RUN_APPEND="${VM_RUN_APPEND:-} $append" "$vm_run" --systemd -v --timeout "${SYSTEMD_VM_TIMEOUT:-900}" --mem 2G "${env_args[@]}" -- "${ava[@]}"
status=$?
set -e
echo "test-systemd: VM wall time $((SECONDS - start)) s, exit $status"
case "$status" in
  124) echo "test-systemd: FAILED: the VM timed out" >&2 ;;
  125) echo "test-systemd: FAILED: the VM could not run the tests (see vm-run's messages above)" >&2 ;;
esac
exit "$status"
