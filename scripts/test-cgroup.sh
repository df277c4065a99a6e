#!/usr/bin/env bash
# The cgroup v2 enforcement lane: runs test/cgroup-v2/*.test.js, which need a pure cgroup v2
# host (every controller in the one hierarchy at /sys/fs/cgroup). On such a host they run
# directly; on any other (hybrid, legacy) inside a throw-away VM booted with pure cgroup v2 by
# vm-run, which sits beside the repository: ../shared/tools/vm-run. RUNTIME is passed through.
#
# Usage (as root): scripts/test-cgroup.sh [test files...]   (default: all of test/cgroup-v2)
#   CGROUP_VM_TIMEOUT  seconds before the VM is killed (default 900)
# Exits with ava's status; when the VM cannot run at all, says so and exits non-zero.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/cgroup-v2/*.test.js)
# --timeout: ava's bound on the time between two test results (2 min in package.json). In the
# software-emulated VM a single container start takes 10-60 s when the host is loaded, and a test
# making several timed out on that bound although within its own t.timeout (test/cgroup-v2/spec-1.3).
ava=(npx ava --timeout 6m "${files[@]}")

# Pure cgroup v2: cgroup2 at /sys/fs/cgroup, and no v1 hierarchy mounted anywhere.
if [ -f /sys/fs/cgroup/cgroup.controllers ] && ! grep -q ' - cgroup ' /proc/self/mountinfo; then
  echo "test-cgroup: this host is pure cgroup v2: running the tests directly"
  exec "${ava[@]}"
fi

vm_run="$(dirname "$repo")/shared/tools/vm-run"
if [ ! -x "$vm_run" ]; then
  echo "test-cgroup: FAILED: this host is not pure cgroup v2 and there is no $vm_run to boot a VM that is" >&2
  exit 1
fi
env_args=()
[ -z "${RUNTIME:-}" ] || env_args=(--env RUNTIME)
echo "test-cgroup: this host is not pure cgroup v2: running the tests in a VM (${RUNTIME:-tsrunc})"
start=$SECONDS
set +e
# One test at a time in the VM: it is software-emulated (about 100x slower process creation),
# and several containers starting at once on its 2 vCPUs pushed single runs past their 60 s bound
# whenever the host was busy too. Serial costs some wall time and makes the lane deterministic.
"$vm_run" -v --timeout "${CGROUP_VM_TIMEOUT:-900}" --mem 2G "${env_args[@]}" -- "${ava[@]}" --serial
status=$?
set -e
echo "test-cgroup: VM wall time $((SECONDS - start)) s, exit $status"
case "$status" in
  124) echo "test-cgroup: FAILED: the VM timed out" >&2 ;;
  125) echo "test-cgroup: FAILED: the VM could not run the tests (see vm-run's messages above)" >&2 ;;
esac
exit "$status"
