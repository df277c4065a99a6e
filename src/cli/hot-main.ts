// The hot entry bundle (dist/cli/tsrunc-hot.js, scripts/build-bundle.js): state, start, kill and
// delete in the shapes clients send, and --version. bin/tsrunc loads it for those verbs instead of
// the full bundle, which is ~6x larger: reading, deserialising the code cache and evaluating the
// top level of the full bundle cost more than these verbs' own work.
//
// It holds the same parser (fast-path.ts), rows (hot-verbs.ts) and command modules as the full
// CLI, so whatever it answers, main.ts would answer the same. Whatever it does not recognise -
// another verb, --help, a near-miss - it declines (undefined) before doing anything at all, and
// bin/tsrunc hands the same argv to the full CLI's main().
import { parseFast, runFast } from './fast-path';
import { HOT_VERBS } from './hot-verbs';
import { printVersionIfAsked } from './version-flag';

export async function hotMain(args: string[]): Promise<number | undefined> {
  if (printVersionIfAsked(args)) return 0;
  // TSRUNC_FAST_PATH=0 sends everything through yargs (main.ts): test/61 compares the two paths.
  const fast = process.env.TSRUNC_FAST_PATH === '0' ? undefined : parseFast(args, HOT_VERBS);
  return fast && runFast(fast);
}
