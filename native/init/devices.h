// Device nodes and /dev links inside the container (the defaults runc creates plus
// linux.devices). Nodes are created fresh with mknod in the container's /dev: a host device is
// never bind-mounted here, so nothing done to these nodes can reach the host's (runc#3674).
#pragma once
#include "plan.h"

void setup_devices(int rootfd, const Plan& plan);
