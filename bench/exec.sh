#!/usr/bin/env bash
# Side-by-side exec benchmark: `<rt> exec ID /bin/true` into a running container (a `sleep`),
# tsrunc vs runc vs crun, each against its own container from the same bundle. Prints hyperfine's
# table and each runtime's mean relative to runc. Needs root, hyperfine, runc (crun optional;
# scripts/setup.sh --dev installs them) and a built tree.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-30}"
work="$(mktemp -d /tmp/tsrunc-bench-exec-XXXXXX)"
# shellcheck source=bench/common.sh
. "$repo/bench/common.sh"
cleanup() {
  for r in tsrunc runc crun; do
    bin="$(rt $r || true)"
    [ -x "$bin" ] && "$bin" --root "$work/root-$r" delete -f bench >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

make_bench_bundle "$work/bundle" '["sleep", "100000"]'

# Each runtime starts its own container; one that cannot (crun on a hybrid cgroup host) is left out.
runtimes=()
for r in tsrunc runc crun; do
  bin="$(rt $r || true)"
  if [ ! -x "$bin" ]; then echo "bench: $r not installed, skipped" >&2; continue; fi
  # The container keeps the stdio it is given: files, never this script's pipes.
  if ! "$bin" --root "$work/root-$r" run -d --bundle "$work/bundle" bench </dev/null >/dev/null 2>"$work/err-$r" ||
     ! "$bin" --root "$work/root-$r" exec bench /bin/true >/dev/null 2>>"$work/err-$r"; then
    echo "bench: $r cannot exec here, skipped: $(cat "$work/err-$r")" >&2
    continue
  fi
  runtimes+=("$r")
done

names=(); cmds=()
for r in "${runtimes[@]}"; do
  names+=(-n "$r")
  cmds+=("$(rt "$r") --root $work/root-$r exec bench /bin/true")
done

echo "## exec /bin/true into a running container"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/exec.json" "${names[@]}" "${cmds[@]}"
# Medians and minimums too: on a loaded machine a few slow runs move the mean a lot.
echo "## ratios to runc (mean, median, min)"
jq -r '(.results | map(select(.command == "runc")) | .[0]) as $base
  | .results[] | . as $r | [ "mean", "median", "min" ]
  | map("\(.) \($r[.] * 1000 | floor) ms" + (if $base then " (" + ($r[.] / $base[.] * 100 | floor / 100 | tostring) + "x)" else "" end))
  | "exec\t\($r.command)\t" + join("\t")' "$work/exec.json"
