// ID-mapped bind mounts (plan MountOp.idmap). The kernel lets only a process privileged over the
// source's filesystem set MOUNT_ATTR_IDMAP, which the init in its user namespace is not: stage-0
// makes each mount as a detached tree before it joins or makes any namespace, and the init,
// which inherits the fds, moves them onto their destinations (as runc 1.2's parent makes them
// and hands them to its init).
#pragma once
#include <string>

#include "plan.h"

// Stage-0, with the host's privilege: each idmapped mount of the plan as a detached tree
// (open_tree(OPEN_TREE_CLONE) + mount_setattr(MOUNT_ATTR_IDMAP) with a user namespace holding its
// maps). The fds are close-on-exec and kept for attach_idmapped().
void prepare_idmapped_mounts(const Plan& plan);

// The init: moves m's tree onto the opened destination `dest`.
void attach_idmapped(const MountOp& m, int dest);
