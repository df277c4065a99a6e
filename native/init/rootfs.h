// Building the container's filesystem view inside its new mount namespace, in this order:
//   1. make "/" non-shared so nothing below propagates back to the host;
//   2. bind the rootfs onto itself (pivot_root needs a mount point);
//   3. every config mount, in order, onto targets resolved inside the rootfs;
//   4. device nodes and links; masked and read-only paths;
//   5. pivot_root (or MS_MOVE + chroot), then read-only root and rootfs propagation.
// Steps 1-4 run while the host's /proc is still reachable, so every mount goes through
// /proc/self/fd/N of a verified fd instead of a path string.
#pragma once
#include "plan.h"

void build_rootfs(const Plan& plan);
void enter_rootfs(const Plan& plan);
