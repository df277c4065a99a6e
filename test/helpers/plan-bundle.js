'use strict';
// A throw-away bundle for the plan compiler tests (no root, nothing started): rootfs/, a directory
// data/ and a file file.txt to bind-mount. Removed when the test ends.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function planBundle(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-test-plan-'));
  fs.mkdirSync(path.join(dir, 'rootfs'));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'file.txt'), 'x');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

module.exports = { planBundle };
