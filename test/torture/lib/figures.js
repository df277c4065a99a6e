'use strict';
// Figures a torture test reports (trials run, leaks found, files lost, ...). Each call appends one
// JSON line to the file test/torture/run.js names in TSRUNC_TORTURE_FIGURES; run.js sums them per
// name and prints the table. Outside run.js (plain `npx ava --config ava.torture.config.mjs`) they
// go to stderr so they are not lost.
const fs = require('node:fs');

/** True in `npm run test:torture -- --long`: tests use their full counts. */
const LONG = process.env.TSRUNC_TORTURE_LONG === '1';

/** `short` trials in the default run, `long` in the long one. */
const trials = (short, long) => (LONG ? long : short);

/**
 * Records figure `name` (e.g. "crash: trials") as `value`. Counts with the same name add up, so a
 * test may report as it goes; a rate or a duration (`add: false`) keeps its last value.
 * `unit` is printed beside the value ("containers/s").
 */
function figure(name, value, { unit = '', add = true } = {}) {
  const line = JSON.stringify({ name, value, unit, add }) + '\n';
  const out = process.env.TSRUNC_TORTURE_FIGURES;
  if (out) fs.appendFileSync(out, line);
  else process.stderr.write(`figure: ${line}`);
}

module.exports = { LONG, trials, figure };
