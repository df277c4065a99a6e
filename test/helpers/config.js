'use strict';
// Config patches the tests share. A patch is a function that edits the config (or returns a new one),
// or an object deep-merged into it; rt.makeBundle() applies one to the default config.

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep-merges plain objects; arrays and scalars in `patch` replace. */
function deepMerge(target, patch) {
  for (const [key, value] of Object.entries(patch)) {
    target[key] = isPlainObject(value) && isPlainObject(target[key]) ? deepMerge(target[key], value) : value;
  }
  return target;
}

/** patch: a function (mutates the config or returns a new one) or an object to deep-merge. */
function applyPatch(config, patch) {
  if (typeof patch === 'function') return patch(config) ?? config;
  return patch ? deepMerge(config, patch) : config;
}

/** Patch: the process is `sh -c script`; then `more`, a function editing the config or an object merged in. */
const shell = (script, more) => (c) => {
  c.process.args = ['sh', '-c', script];
  // Edits in place: what a `more` function returns (often the value of a push) is not a config.
  if (typeof more === 'function') more(c);
  else if (more) deepMerge(c, more);
};

/** process.capabilities with `names` in all five sets. */
const inAllSets = (names) => ({ bounding: names, effective: names, inheritable: names, permitted: names, ambient: names });

module.exports = { applyPatch, shell, inAllSets };
