'use strict';
// A small deterministic PRNG (mulberry32) for the torture tests' random choices: a failing trial is
// replayed from the seed it prints.

/** A function returning numbers in [0, 1), the same sequence for the same seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { prng };
