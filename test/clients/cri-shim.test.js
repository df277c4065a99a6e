'use strict';
// containerd's CRI plugin with a runtime entry `runtime_type = "io.containerd.tsrunc.v2"`, as a
// RuntimeClass would select containerd-shim-tsrunc-v2 (RUNTIME=runc: io.containerd.runc.v2).
require('./cri-scenarios').criSuite(require('ava'), { via: 'shim' });
