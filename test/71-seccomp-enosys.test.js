'use strict';
// runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): under a profile whose default action refuses,
// a syscall numbered above every syscall the profile names (for an architecture it lists) is newer
// than the profile and returns ENOSYS, not the default errno, so that libc falls back (glibc's
// clone3 -> clone, faccessat2 -> faccessat). A static probe in the container makes raw syscalls
// and prints what each returned. Side by side: RUNTIME=runc passes these too.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');
const { buildProgram, installProgram } = require('./helpers/static-probe');

const DOCKER = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/seccomp-docker-default.json'), 'utf8'));

// x86_64 numbers (the kernel ABI; the test host is x86_64): clone3 is the first syscall of Linux 5.3.
const NR = { getpid: 39, getpgrp: 111, clone3: 435, openat2: 437, faccessat2: 439 };
const FIRST_NEW = NR.clone3;

const PROBE = `
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
/* argv: name:number...; prints name=ok or name=<strerror> for a raw syscall with zero arguments. */
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *name = argv[i], *colon = strchr(name, ':');
    *colon = 0;
    long r = syscall(atol(colon + 1), 0, 0, 0, 0, 0, 0);
    printf("%s=%s\\n", name, r < 0 ? strerror(errno) : "ok");
  }
  return 0;
}
`;

// Resolves syscall names to x86_64 numbers with libseccomp, as the runtimes do.
const RESOLVER = `
#include <seccomp.h>
#include <stdio.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) printf("%s %d\\n", argv[i], seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, argv[i]));
  return 0;
}
`;

/** x86_64 numbers of every name of the Docker profile, resolved by libseccomp as the runtimes do. */
let numbers;
function syscallNumbers() {
  if (numbers) return numbers;
  const resolver = buildProgram('seccomp-resolver', RESOLVER, { libs: ['-lseccomp'] });
  const names = [...new Set(DOCKER.syscalls.flatMap((s) => s.names))];
  numbers = Object.fromEntries(execFileSync(resolver, names, { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.split(' ')).map(([n, nr]) => [n, Number(nr)]));
  return numbers;
}

/**
 * Docker's default profile without every syscall numbered clone3 or above (so the largest it names
 * is older than clone3) and without getpgrp (neither runtime calls it) (so one old syscall gets the default action).
 */
function olderProfile({ keep = [] } = {}) {
  const numbers = syscallNumbers();
  const profile = structuredClone(DOCKER);
  profile.syscalls = profile.syscalls
    .map((s) => ({ ...s, names: s.names.filter((n) => keep.includes(n) || (n !== 'getpgrp' && numbers[n] < FIRST_NEW)) }))
    .filter((s) => s.names.length > 0 && !(s.names.length === 1 && s.names[0] === 'clone3' && !keep.includes('clone3')));
  return profile;
}

/** Runs the probe under `seccomp` with `calls`; returns {name: 'ok' | strerror}. */
async function runProbe(t, seccomp, calls) {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.linux.seccomp = seccomp;
    c.process.args = ['/probe-syscalls', ...calls.map((n) => `${n}:${NR[n]}`)];
    // runc 1.1.5 panics on a seccomp profile in a config without capabilities.
    c.process.capabilities = { bounding: ['CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
  });
  installProgram(bundle.rootfs, buildProgram('probe-syscalls', PROBE));
  const id = rt.id('enosys');
  const r = await rt.runtime(['run', '--bundle', bundle.dir, id]);
  t.is(r.code, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=')));
}

test('a syscall newer than every syscall the profile names returns ENOSYS, an old unlisted one the default errno', async (t) => {
  const seen = await runProbe(t, olderProfile(), ['getpid', 'getpgrp', 'clone3', 'openat2', 'faccessat2']);
  t.is(seen.getpid, 'ok', 'a listed syscall works');
  t.is(seen.getpgrp, 'Operation not permitted', 'an unlisted syscall older than the newest listed one gets the default action');
  t.is(seen.clone3, 'Function not implemented');
  t.is(seen.openat2, 'Function not implemented');
  t.is(seen.faccessat2, 'Function not implemented');
});

test('the bound is the newest syscall the profile names: below it an unlisted syscall gets the default errno', async (t) => {
  // faccessat2 named (allowed): clone3 and openat2 are now older than the newest named syscall.
  const seen = await runProbe(t, olderProfile({ keep: ['faccessat2'] }), ['clone3', 'openat2', 'faccessat2']);
  t.is(seen.clone3, 'Operation not permitted');
  t.is(seen.openat2, 'Operation not permitted');
  t.not(seen.faccessat2, 'Operation not permitted', 'faccessat2 itself is allowed');
  t.not(seen.faccessat2, 'Function not implemented');
});

test('names of rules that do what the default does count for the bound too (runc counts every name)', async (t) => {
  const profile = olderProfile();
  profile.syscalls.push({ names: ['faccessat2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
  const seen = await runProbe(t, profile, ['clone3', 'faccessat2']);
  t.is(seen.clone3, 'Operation not permitted');
  t.is(seen.faccessat2, 'Operation not permitted');
});

test('a profile that lists no architecture gets no stub (as runc): the default errno for everything unlisted', async (t) => {
  const profile = olderProfile();
  delete profile.architectures;
  const seen = await runProbe(t, profile, ['getpid', 'clone3']);
  t.is(seen.getpid, 'ok');
  t.is(seen.clone3, 'Operation not permitted');
});

test('an allowing default action gets no stub: what the profile does not name runs', async (t) => {
  const seen = await runProbe(t, { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['getpgrp'], action: 'SCMP_ACT_ERRNO' }] },
    ['getpgrp', 'clone3']);
  t.is(seen.getpgrp, 'Operation not permitted');
  t.is(seen.clone3, 'Invalid argument', 'clone3 reached the kernel (which refuses a zero-sized argument)');
});
