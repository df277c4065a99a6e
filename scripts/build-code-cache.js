// Builds dist/cli/tsrunc.cache: V8's compiled code for the CLI bundle, taken after a warm-up
// that walks the command-line parser, config loading, validation and plan compilation (nothing
// that needs root). bin/tsrunc hands it to V8, which then skips parsing and compiling the
// ~600 KB bundle at every start. V8 rejects a cache from another Node version; bin/tsrunc then
// simply compiles as before.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { loadBundleScript } = require('../bin/load-bundle');

const repo = path.join(__dirname, '..');
const bundleFile = path.join(repo, 'dist', 'cli', 'tsrunc.js');

async function warmUp(cli, tmp) {
  const quiet = { write: process.stdout.write, fd2: fs.writeSync };
  // Run commands whose output nobody needs: silence fds 1 and 2 meanwhile.
  fs.writeSync = (fd, ...rest) => (fd === 1 || fd === 2 ? 0 : quiet.fd2(fd, ...rest));
  try {
    await cli.main(['spec', '--bundle', tmp]);
    await cli.main(['--root', tmp, 'state', 'missing']);
    await cli.main(['--root', tmp, '--log-format', 'json', 'kill', 'missing', 'KILL']);
    await cli.main(['--root', tmp, 'delete', '--force', 'missing']);
    await cli.main(['--root', tmp, 'list', '--format', 'json']);
    // create up to the point where root would be needed: the rootfs is missing, so loading
    // fails after schema and semantic validation.
    await cli.main(['--root', tmp, 'create', '--bundle', tmp, 'warm']);
    await cli.main(['--root', tmp, 'run', '--bundle', tmp, 'warm']);
  } finally {
    fs.writeSync = quiet.fd2;
  }
}

(async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cache-'));
  try {
    const { exports: cli, script } = loadBundleScript(bundleFile, undefined);
    await warmUp(cli, tmp);
    fs.writeFileSync(bundleFile.replace(/\.js$/, '.cache'), script.createCachedData());
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})();
