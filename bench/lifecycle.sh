#!/usr/bin/env bash
# Side-by-side startup benchmark: tsrunc vs runc vs crun in the same run, same bundle.
#   run      `<rt> run` of /bin/true (create + start + wait + delete in one command)
#   cycle    `<rt> create`, `<rt> start`, `<rt> delete --force` as three commands
# Prints hyperfine's tables and each runtime's mean relative to runc. Needs root, hyperfine,
# runc, crun (scripts/setup.sh --dev installs them) and a built tree.
# NODE_EXTRA_CA_CERTS, when set in the environment, is measured as it comes; bin/tsrunc drops
# it before Node starts. Pass --ca to also time with it forced on and off.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-30}"
work="$(mktemp -d /tmp/tsrunc-bench-XXXXXX)"
trap 'for r in tsrunc runc crun; do "$(rt $r)" --root "$work/root-$r" delete -f bench >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT

# shellcheck source=bench/common.sh
. "$repo/bench/common.sh"

make_bench_bundle "$work/bundle" '["/bin/true"]'

# A runtime that cannot run the bundle here is left out with its reason (crun 1.8, for one,
# refuses hybrid cgroup hosts).
runtimes=()
for r in tsrunc runc crun; do
  bin="$(rt $r || true)"
  if [ ! -x "$bin" ]; then echo "bench: $r not installed, skipped" >&2; continue; fi
  if ! why="$("$bin" --root "$work/root-$r" run --bundle "$work/bundle" probe 2>&1)"; then
    echo "bench: $r cannot run the bundle on this host, skipped: $why" >&2
    "$bin" --root "$work/root-$r" delete -f probe >/dev/null 2>&1 || true
    continue
  fi
  runtimes+=("$r")
done

cycle_script() {
  local r="$1" bin; bin="$(rt "$r")"
  cat > "$work/cycle-$r.sh" <<SH
#!/bin/sh
set -e
cd "$work/bundle"
"$bin" --root "$work/root-$r" create bench >/dev/null
"$bin" --root "$work/root-$r" start bench
"$bin" --root "$work/root-$r" delete --force bench
SH
  chmod +x "$work/cycle-$r.sh"
  echo "$work/cycle-$r.sh"
}

run_cmds=(); cycle_cmds=(); names=()
for r in "${runtimes[@]}"; do
  names+=(-n "$r")
  run_cmds+=("$(rt "$r") --root $work/root-$r run --bundle $work/bundle bench")
  cycle_cmds+=("$(cycle_script "$r")")
done

echo "## run /bin/true  (NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-unset})"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/run.json" "${names[@]}" "${run_cmds[@]}"
echo "## create + start + delete"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/cycle.json" "${names[@]}" "${cycle_cmds[@]}"

if [ "${1:-}" = "--ca" ] && [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  echo "## node startup with and without NODE_EXTRA_CA_CERTS (what bin/tsrunc avoids)"
  hyperfine -N --warmup 3 --runs "$runs" -n "node -e 0 (CA set)" "node -e 0" \
    -n "node -e 0 (CA unset)" "env -u NODE_EXTRA_CA_CERTS node -e 0"
fi

echo "## ratios (mean time / runc mean time)"
for f in run cycle; do
  jq -r --arg f "$f" '
    (.results | map(select(.command == "runc")) | .[0].mean) as $base
    | .results[] | "\($f)\t\(.command)\t\(.mean * 1000 | floor) ms\t\(if $base then (.mean / $base * 100 | floor / 100 | tostring) + "x runc" else "" end)"' "$work/$f.json"
done
