// TEST ONLY. TSRUNC_TEST_STOP_AT=<step> makes tsrunc SIGKILL itself the moment it reaches the
// named step, so the crash-consistency tests (test/torture/1x-crash-*) can stop a verb exactly
// between two of its effects, beside their random wall-clock kills. Nothing else may set it: a
// production caller that did would kill its own process. Unset, a crash point costs one string
// comparison. The steps, in the order each verb reaches them:
export const CRASH_POINTS = [
  'create:claimed',   // id claimed: state dir published with its "creating" record, nothing else yet
  'create:fifo',      // exec.fifo made
  'create:cgroup',    // cgroups made and limits written (the creating record names them)
  'create:launched',  // tsrunc-init spawned, its pid not known yet
  'create:pid',       // init pid received (sync step 2), not recorded yet
  'create:recorded',  // state.json has the init's pid and start time
  'create:placed',    // init placed in its cgroups (v1), not told to go on
  'create:go',        // told to go on (sync step 3): the init builds the rootfs
  'create:hooks',     // prestart/createRuntime hooks ran, init not resumed (sync step 5)
  'create:ready',     // init ready (sync step 6), pid file not written
  'start:opened',     // exec.fifo opened: the init is released (the CLI's blocking start)
  'start:released',   // the init said it exec'd, exec.fifo still there
  'start:poststart',  // exec.fifo removed, poststart hooks not run
  'exec:launched',    // exec helper spawned
  'exec:pid',         // exec'd process's pid known
  'kill:locked',      // about to signal
  'delete:killed',    // container's processes dead, cgroups still there
  'delete:cgroup',    // cgroups removed, poststop hooks not run
  'delete:hooks',     // poststop hooks ran, state dir still there
  'delete:state',     // state.json removed, the rest of the state dir still there
  'update:written',   // new limits in the cgroup, not yet in state.json
  'pause:locked',     // about to freeze or thaw
  'state:temp',       // a state.json temp file written, not renamed into place
  'bundle-rm:marked',    // bundle rm: the record says "removing", nothing unmounted yet
  'bundle-rm:unmounted', // the rootfs overlay unmounted, nothing removed
  'bundle-rm:upper',     // the upper dir removed, the work dir and rootfs still there
  'bundle-rm:contents',  // everything but the record removed, volumes still marked as used
  'bundle-rm:volumes',   // volumes released, the record still there
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

const target = process.env.TSRUNC_TEST_STOP_AT;

/** TEST ONLY: dies here (SIGKILL, no clean-up of any kind) if TSRUNC_TEST_STOP_AT names `step`. */
export function crashPoint(step: CrashPoint): void {
  if (target === step) process.kill(process.pid, 'SIGKILL');
}
