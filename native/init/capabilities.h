// The container process's capability sets (process.capabilities), changed around the uid switch
// in runc's order, because each step needs what the one before leaves:
//   1. drop_bounding_set      while still root: PR_CAPBSET_DROP needs CAP_SETPCAP;
//   2. keep_capabilities(true) so a switch to a non-root uid does not clear the permitted set;
//      <setgroups, setresgid, setresuid>
//   3. keep_capabilities(false), then set_capabilities: the new uid's effective, permitted and
//      inheritable sets, and the ambient set that carries them across execve for a non-root user.
#pragma once
#include "plan.h"

void drop_bounding_set(const CapabilityMasks& caps);
void keep_capabilities(bool keep);
void set_capabilities(const CapabilityMasks& caps);
