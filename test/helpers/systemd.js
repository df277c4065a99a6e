'use strict';
// What the systemd driver's tests (test/systemd, test/systemd-hybrid: VM lanes) ask systemd: a
// unit's properties, the units left, and the runtime called as the clients call it.
const { execFileSync } = require('node:child_process');

/** The VM is software-emulated: waits are long. */
const SLOW = 60000;

/** `<runtime> --systemd-cgroup ARGS`, as the clients call it. */
const sd = (rt, args, opts) => rt.runtime(['--systemd-cgroup', ...args], { timeout: SLOW, ...opts });

/** systemctl show UNIT -p NAME... -> {NAME: value}. */
function show(unit, ...names) {
  const out = execFileSync('systemctl', ['show', unit, ...names.flatMap((n) => ['-p', n])], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Units systemd still knows whose name contains `part` (loaded, active or failed). */
const unitsNamed = (part) => execFileSync('systemctl', ['list-units', '--all', '--plain', '--no-legend', `*${part}*`], { encoding: 'utf8' })
  .split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]);

const gone = (unit) => {
  const p = show(unit, 'LoadState', 'ActiveState');
  return p.LoadState === 'not-found' || p.ActiveState === 'inactive';
};

module.exports = { SLOW, sd, show, unitsNamed, gone };
