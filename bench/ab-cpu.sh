#!/bin/bash
# CPU time (perf's task-clock: the whole process tree, time on a CPU only, so a loaded machine
# inflates it far less than wall time) of `create` and `run` of /bin/true, two tsrunc builds
# interleaved round by round: before/after figures for one change (issue 20's regression check).
#   ROUNDS=20 bash bench/ab-cpu.sh /path/to/new/tsrunc /path/to/old/tsrunc
set -euo pipefail
NEW=${1:?new tsrunc}; OLD=${2:?old tsrunc}; ROUNDS=${ROUNDS:-20}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /var/tmp/tsrunc-ab-XXXXXX)
trap 'for r in new old; do for id in $("$NEW" --root "$work/$r" list -q 2>/dev/null); do "$NEW" --root "$work/$r" delete --force "$id"; done; done; rm -rf "$work"' EXIT
mkdir -p "$work/bundle"
node -e '
const [src, dst] = process.argv.slice(1); const fs = require("fs");
const c = JSON.parse(fs.readFileSync(src + "/bundles/default/config.json"));
c.process.args = ["/bin/true"]; c.process.terminal = false; c.root.path = src + "/bundles/default/rootfs";
fs.writeFileSync(dst + "/config.json", JSON.stringify(c));' "$repo" "$work/bundle"
# ms of CPU of one command; its stdio is a file, never a pipe (a created container holds it).
tc() { env -u NODE_EXTRA_CA_CERTS perf stat -x, -e task-clock -o "$work/ps" "$@" >"$work/out" 2>&1 </dev/null; grep task-clock "$work/ps" | cut -d, -f1; }
for i in $(seq 1 "$ROUNDS"); do
  for r in new old; do
    bin=$NEW; [ "$r" = old ] && bin=$OLD
    echo "$r create $(tc "$bin" --root "$work/$r" create --bundle "$work/bundle" c$i)" >>"$work/results"
    "$bin" --root "$work/$r" delete --force c$i
    echo "$r run $(tc "$bin" --root "$work/$r" run --bundle "$work/bundle" r$i)" >>"$work/results"
  done
done
for r in new old; do for verb in create run; do
  awk -v r=$r -v v=$verb '$1==r && $2==v {print $3}' "$work/results" | sort -n |
    awk -v r=$r -v v=$verb '{a[NR]=$1} END {printf "%s %-6s CPU median %.1f ms (min %.1f, max %.1f, n %d)\n", r, v, a[int((NR+1)/2)], a[1], a[NR], NR}'
done; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
