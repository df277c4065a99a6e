'use strict';
// Load helpers for the torture tests: a fixed number of workers over a list of jobs, and a clock
// for recording when each CLI call began and ended.
const { performance } = require('node:perf_hooks');

/** Milliseconds since this process started (monotonic): comparable across every record of a test. */
const now = () => performance.now();

/**
 * Runs `fn(item, index)` over `items` with at most `parallelism` calls in flight; resolves with
 * the results in order once every call settled. A failing call does not stop the others: its
 * error is its result ({error}).
 */
async function runPool(parallelism, items, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        results[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, worker));
  return results;
}

/**
 * Runs a CLI call through `rt.runtime(args)` and returns its result with `begin` and `end`
 * (now() just before the spawn and just after the exit was seen). The recorded interval
 * contains the real one, so "A ended before B began" judged on them is true of the real calls.
 */
async function timed(rt, args, opts) {
  const begin = now();
  const r = await rt.runtime(args, opts);
  return { ...r, begin, end: now() };
}

module.exports = { now, runPool, timed };
