'use strict';
// --no-pivot (MS_MOVE + chroot) leaves the host's mounts in the container's mount namespace, out of
// the chroot's reach. The kernel lets a user namespace mount procfs only where the mount namespace
// already shows a full one; a host /proc left there would let the container mount a bare, unmasked
// /proc of its own. runc's no_pivot test: inside, a new user+mount+pid namespace tries
// `mount -t proc`: permission denied, with and without --no-pivot. Side by side with RUNTIME=runc.
const test = require('ava');
const { useRuntime } = require('./helpers/runtime');
const { buildProgram, installProgram } = require('./helpers/static-probe');

// unshare(user, mount, pid) mapping only its own ids (no capability needed), fork, mount procfs.
const MOUNT_PROC = `
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>
static int put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) { printf("write %s: %s\\n", path, strerror(errno)); return -1; }
  return close(fd);
}
int main(void) {
  char uid[64], gid[64];
  snprintf(uid, sizeof uid, "0 %d 1", (int)geteuid());
  snprintf(gid, sizeof gid, "0 %d 1", (int)getegid());
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) { printf("unshare: %s\\n", strerror(errno)); return 2; }
  if (put("/proc/self/setgroups", "deny") || put("/proc/self/uid_map", uid) || put("/proc/self/gid_map", gid)) return 2;
  pid_t pid = fork();
  if (pid == 0) {
    if (mount("none", "/proc", "proc", 0, NULL) < 0) { printf("mount proc: %s\\n", strerror(errno)); return 1; }
    printf("mount proc: ok\\n");
    return 0;
  }
  int status;
  waitpid(pid, &status, 0);
  return WEXITSTATUS(status);
}
`;

// runc's default spec: these masks are what make the container's own /proc "not fully visible".
const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

async function mountProc(t, flags) {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.linux.maskedPaths = MASKED;
    c.linux.readonlyPaths = READONLY;
    // A user of its own: mapping root of a new user namespace onto host root needs CAP_SETFCAP.
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.args = ['/mount-proc'];
  });
  installProgram(bundle.rootfs, buildProgram('mount-proc', MOUNT_PROC));
  return rt.runtime(['run', ...flags, '--bundle', bundle.dir, rt.id('nopivot')]);
}

test('--no-pivot: the container cannot mount a bare /proc from a user namespace (the host /proc is gone)', async (t) => {
  const r = await mountProc(t, ['--no-pivot']);
  t.is(r.stdout, 'mount proc: Operation not permitted\n', r.stderr);
  t.is(r.code, 1);
});

test('pivot_root (control): the same probe is refused the same way', async (t) => {
  const r = await mountProc(t, []);
  t.is(r.stdout, 'mount proc: Operation not permitted\n', r.stderr);
  t.is(r.code, 1);
});

test('--no-pivot: the container still sees its own /proc and /sys, masks in place', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.linux.maskedPaths = MASKED;
    c.linux.readonlyPaths = READONLY;
    c.process.args = ['sh', '-c', 'grep -c . /proc/self/status >/dev/null && ls /sys/kernel >/dev/null && wc -c < /proc/keys && ls /sys/firmware | wc -l'];
  });
  const r = await rt.runtime(['run', '--no-pivot', '--bundle', bundle.dir, rt.id('nopivot')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.replace(/ +/g, ''), '0\n0\n');
});
