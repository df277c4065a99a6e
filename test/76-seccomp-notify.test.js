'use strict';
// SCMP_ACT_NOTIFY: the runtime connects to the seccomp agent at listenerPath and sends it the
// container process state with the filter's notify fd (SCM_RIGHTS). A small agent built here
// answers every notified syscall with ENOSPC, so the container shows the fd really arrived.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const test = require('ava');
const { useRuntime, waitFor, isTsrunc } = require('./helpers/runtime');

const AGENT = `
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>
int main(int argc, char **argv) {
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 1)) { perror("listen"); return 1; }
  int c = accept(srv, 0, 0);
  char buf[65536] = {0}, ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {buf, sizeof buf - 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  if (recvmsg(c, &mh, 0) <= 0) { perror("recvmsg"); return 1; }
  int fd; memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
  FILE *out = fopen(argv[2], "w"); fputs(buf, out); fclose(out);
  int delay_ms = argc > 3 ? atoi(argv[3]) : 0, received = 0;
  for (;;) {
    struct seccomp_notif req = {0}; struct seccomp_notif_resp resp = {0};
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return 0;
    /* argv[3]: answer late, and count the notifications in <state>.count */
    if (delay_ms) { char p[4200]; snprintf(p, sizeof p, "%s.count", argv[2]); FILE *f = fopen(p, "w"); fprintf(f, "%d\\n", ++received); fclose(f); usleep(delay_ms * 1000); }
    resp.id = req.id; resp.error = -ENOSPC;
    ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}
`;

function startAgent(t, rt, delayMs) {
  const dir = rt.hostDir('agent');
  fs.writeFileSync(path.join(dir, 'agent.c'), AGENT);
  execFileSync('cc', ['-O2', '-o', path.join(dir, 'agent'), path.join(dir, 'agent.c')]);
  const socket = path.join(dir, 'agent.sock');
  const stateFile = path.join(dir, 'state.json');
  const agent = spawn(path.join(dir, 'agent'), [socket, stateFile, ...(delayMs ? [String(delayMs)] : [])], { stdio: 'inherit' });
  t.teardown(() => agent.kill('SIGKILL'));
  return { socket, stateFile, ready: waitFor(() => fs.existsSync(socket), { what: 'the agent socket' }) };
}

test('the agent gets the container state and the notify fd, and answers the notified syscall', async (t) => {
  const rt = useRuntime(t);
  const agent = startAgent(t, rt);
  await agent.ready;
  const r = await rt.run((c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: agent.socket,
      listenerMetadata: 'hello-agent',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
    c.process.args = ['sh', '-c', 'mkdir /tmp/x 2>&1; ls /tmp | wc -l'];
  });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /No space left on device/);
  t.regex(r.stdout, /^0$/m, 'the directory was not made');
  const state = JSON.parse(fs.readFileSync(agent.stateFile, 'utf8'));
  t.deepEqual(state.fds, ['seccompFd']);
  t.is(state.metadata, 'hello-agent');
  t.is(state.state.id, r.id);
  t.true(state.pid > 0);
});

test('SCMP_ACT_NOTIFY without a listening agent is refused at create, nothing left behind', async (t) => {
  const rt = useRuntime(t);
  const bundle = rt.makeBundle((c) => {
    c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(rt.base, 'nobody.sock'), syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] };
  });
  const id = rt.id('noagent');
  const r = await rt.runtime(['create', '--bundle', bundle.dir, id]);
  t.not(r.code, 0);
  t.regex(r.stderr, isTsrunc ? /\/linux\/seccomp\/listenerPath/ : /seccomp agent/);
  t.false((await rt.leftovers(id)).stateDir);
});

// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (runtime-spec 1.1, Linux 5.19): once the agent has received
// a notification, a non-fatal signal no longer interrupts the notified syscall, so the agent is
// asked once and its answer lands. Without the flag the signal interrupts the wait and the syscall
// is notified again. runc 1.1.5 does not know the flag.
(isTsrunc ? test : test.skip)('SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: a signal during the agent\'s answer does not re-notify', async (t) => {
  const rt = useRuntime(t);
  const attempt = async (flags) => {
    const agent = startAgent(t, rt, 1500);
    await agent.ready;
    const r = await rt.run((c) => {
      // Notified: an openat with O_CREAT (flags, argument 2, masked with 0100), which the shell
      // itself makes for `>`; so the shell is in the notified syscall when USR1 comes.
      const creat = { index: 2, value: 0o100, valueTwo: 0o100, op: 'SCMP_CMP_MASKED_EQ' };
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.socket, flags, syscalls: [{ names: ['openat'], action: 'SCMP_ACT_NOTIFY', args: [creat] }] };
      c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
      c.process.args = ['sh', '-c', 'trap "echo got-usr1" USR1; (sleep 0.5; kill -USR1 $$) & true > /tmp/x; wait; exit 0'];
    }, { timeout: 30000 });
    t.is(r.code, 0, r.stderr);
    return { out: r.stdout + r.stderr, count: Number(fs.readFileSync(agent.stateFile + '.count', 'utf8')) };
  };
  const killable = await attempt(['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
  t.is(killable.count, 1, 'notified once');
  t.regex(killable.out, /No space left on device/, "the agent's answer reached the process");
  const plain = await attempt([]);
  t.true(plain.count > 1 || !/No space left/.test(plain.out), `without the flag the signal interrupts the wait: ${JSON.stringify(plain)}`);
});

// An agent that serves every connection (the init's, then each exec's): a child per connection
// writes the message to <state>.<n> and answers each notified syscall with ENOSPC.
const MULTI_AGENT = `
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>
int main(int argc, char **argv) {
  signal(SIGCHLD, SIG_IGN);
  int srv = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (bind(srv, (struct sockaddr *)&a, sizeof a) || listen(srv, 8)) { perror("listen"); return 1; }
  for (int n = 1;; n++) {
    int c = accept(srv, 0, 0);
    if (c < 0) return 1;
    if (fork() != 0) { close(c); continue; }
    char buf[65536] = {0}, ctl[CMSG_SPACE(sizeof(int))], path[4200];
    struct iovec iov = {buf, sizeof buf - 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    if (recvmsg(c, &mh, 0) <= 0) { perror("recvmsg"); return 1; }
    int fd; memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof fd);
    snprintf(path, sizeof path, "%s.%d", argv[2], n);
    FILE *out = fopen(path, "w"); fputs(buf, out); fclose(out);
    for (;;) {
      struct seccomp_notif req = {0}; struct seccomp_notif_resp resp = {0};
      if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) return 0;
      resp.id = req.id; resp.error = -ENOSPC;
      ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
  }
}
`;

test('exec into a container with SCMP_ACT_NOTIFY rules: the exec\'d process\'s notify fd goes to the agent with the container state', async (t) => {
  const rt = useRuntime(t);
  const dir = rt.hostDir('agent');
  fs.writeFileSync(path.join(dir, 'agent.c'), MULTI_AGENT);
  execFileSync('cc', ['-O2', '-o', path.join(dir, 'agent'), path.join(dir, 'agent.c')]);
  const socket = path.join(dir, 'agent.sock');
  const stateFile = path.join(dir, 'state.json');
  const agent = spawn(path.join(dir, 'agent'), [socket, stateFile], { stdio: 'inherit', detached: true });
  t.teardown(() => { try { process.kill(-agent.pid, 'SIGKILL'); } catch { /* gone */ } });
  await waitFor(() => fs.existsSync(socket), { what: 'the agent socket' });
  const { id, pid } = await rt.startContainer((c) => {
    c.linux.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: socket,
      listenerMetadata: 'exec-agent',
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    c.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
    c.process.args = ['sleep', '1000'];
  });
  await waitFor(() => fs.existsSync(`${stateFile}.1`), { what: "the init's message" });
  const r = await rt.runtime(['exec', id, 'sh', '-c', 'mkdir /tmp/x 2>&1; ls /tmp | wc -l']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /No space left on device/);
  t.regex(r.stdout, /^\s*0$/m, 'the directory was not made');
  const msg = JSON.parse(fs.readFileSync(`${stateFile}.2`, 'utf8'));
  t.deepEqual(msg.fds, ['seccompFd']);
  t.is(msg.metadata, 'exec-agent');
  t.is(msg.state.id, id);
  t.is(msg.state.status, 'running');
  t.is(msg.state.pid, pid);
  t.true(msg.pid > 0);
  t.not(msg.pid, pid, "the exec'd process's own pid, not the init's");
});
