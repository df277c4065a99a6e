// The entry of the per-verb bundles (dist/cli/tsrunc-<verb>.js, made by scripts/build-bundle.js):
// one bundle for each verb clients call (state, start, kill, delete, create, run, exec), holding
// only that verb's modules, and one for --version. Loading, deserialising the code cache of and
// evaluating a bundle costs in proportion to its size: for `state` it cost more than the verb.
//
// A bundle holds the same parser (fast-path.ts), rows (fast-verbs.ts) and command modules as the
// full CLI, so whatever it answers, main.ts would answer the same. Whatever it does not recognise
// - another verb, --help, a near-miss - it declines (undefined) before doing anything at all, and
// bin/tsrunc hands the same argv to the full CLI's main().
import { parseFast, runFast } from './fast-path';
import { FAST_VERBS } from './fast-verbs';
import { printVersionIfAsked } from './version-flag';

export async function verbMain(args: string[], verb: string | undefined): Promise<number | undefined> {
  if (printVersionIfAsked(args)) return 0;
  // TSRUNC_FAST_PATH=0 sends everything through yargs (main.ts): test/61 compares the two paths.
  if (verb === undefined || !Object.hasOwn(FAST_VERBS, verb) || process.env.TSRUNC_FAST_PATH === '0') return undefined;
  // Only this bundle's verb: another verb's command module is not in it (see build-bundle.js).
  const fast = parseFast(args, { [verb]: FAST_VERBS[verb] });
  return fast && runFast(fast);
}
