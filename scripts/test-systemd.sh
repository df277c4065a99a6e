#!/usr/bin/env bash
# The systemd cgroup driver lane: runs test/systemd/*.test.js, which need systemd as PID 1 with a
# pure cgroup v2 hierarchy (a production-shaped host). On such a host they run directly; on any
# other inside one throw-away VM booted with systemd by vm-run --systemd (../shared/tools/vm-run).
# The VM is software-emulated: one boot, one ava run, serial. RUNTIME is passed through
# (RUNTIME=runc runs the same tests against runc's systemd driver).
#
# Usage (as root): scripts/test-systemd.sh [test files...]   (default: all of test/systemd)
#   SYSTEMD_VM_TIMEOUT  seconds before the VM is killed (default 900)
#   VM_RUN              the vm-run to use (default ../shared/tools/vm-run)
# Exits with ava's status; when the VM cannot run at all, says so and exits non-zero.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/systemd/*.test.js)
ava=(npx ava "${files[@]}" --serial --timeout=10m)

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && [ -d /run/systemd/system ] && [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  echo "test-systemd: this host runs systemd with cgroup v2: running the tests directly"
  exec "${ava[@]}"
fi

vm_run="${VM_RUN:-$(dirname "$repo")/shared/tools/vm-run}"
if [ ! -x "$vm_run" ]; then
  echo "test-systemd: FAILED: this host does not run systemd with cgroup v2 and there is no $vm_run to boot a VM that does" >&2
  exit 1
fi
env_args=()
[ -z "${RUNTIME:-}" ] || env_args=(--env RUNTIME)
echo "test-systemd: running the tests in a systemd VM (${RUNTIME:-tsrunc})"
start=$SECONDS
set +e
"$vm_run" --systemd -v --timeout "${SYSTEMD_VM_TIMEOUT:-900}" --mem 2G "${env_args[@]}" -- "${ava[@]}"
status=$?
set -e
echo "test-systemd: VM wall time $((SECONDS - start)) s, exit $status"
case "$status" in
  124) echo "test-systemd: FAILED: the VM timed out" >&2 ;;
  125) echo "test-systemd: FAILED: the VM could not run the tests (see vm-run's messages above)" >&2 ;;
esac
exit "$status"
