'use strict';
// containerd + ctr with the runtime under test as the runc v2 shim's binary (--runc-binary).
require('./containerd-scenarios').containerdSuite(require('ava'), { via: 'runc-binary' });
