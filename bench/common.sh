# Shared by the bench/*.sh scripts (sourced): where each runtime's binary is, and a bundle of the
# default rootfs whose process runs the given args.
#   rt NAME                    tsrunc | runc | crun -> path of the binary
#   make_bench_bundle DIR ARGS-JSON
rt() { case "$1" in tsrunc) echo "$repo/bin/tsrunc" ;; *) command -v "$1" ;; esac; }

make_bench_bundle() {
  bash "$repo/scripts/make-default-bundle.sh" >/dev/null
  mkdir -p "$1"
  cp -a "$repo/bundles/default/rootfs" "$1/rootfs"
  jq --argjson args "$2" '.process.args = $args' "$repo/bundles/default/config.json" > "$1/config.json"
}
