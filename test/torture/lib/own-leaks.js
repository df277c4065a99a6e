'use strict';
// findLeaks() for one test among others running at the same time. Its fd check reports every
// process on the host holding a tsrunc memfd (the sealed init helper, a seccomp filter), and other
// tests (of this file, of other suites on the machine) create containers meanwhile: here a memfd
// counts only when its holder carries this test's marker. (Such a holder is a leaked process and
// shows in `processes` too.)
const fs = require('node:fs');
const { findLeaks } = require('./leaks');

function holderIsOurs(entry, marker) {
  const pid = (entry.match(/^pid (\d+) /) || [])[1];
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker + '\0');
  } catch {
    return false; // gone
  }
}

async function ownLeaks(rt, ids, opts) {
  const leaks = await findLeaks(rt, ids, opts);
  leaks.fds = leaks.fds.filter((f) => !/ -> \/memfd:tsrunc/.test(f) || holderIsOurs(f, rt.marker));
  return leaks;
}

module.exports = { ownLeaks };
