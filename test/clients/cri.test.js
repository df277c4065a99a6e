'use strict';
// containerd's CRI plugin with a runtime entry running the runtime under test as the runc shim's BinaryName.
require('./cri-scenarios').criSuite(require('ava'), { via: 'runc-binary' });
