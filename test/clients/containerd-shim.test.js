'use strict';
// containerd + ctr through containerd-shim-tsrunc-v2 (--runtime io.containerd.tsrunc.v2), the same
// scenarios as containerd.test.js; RUNTIME=runc: through io.containerd.runc.v2.
require('./containerd-scenarios').containerdSuite(require('ava'), { via: 'shim' });
