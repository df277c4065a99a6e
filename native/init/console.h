// process.terminal: a pseudo-terminal from the container's own devpts, as runc makes it.
//
//   open_container_pty   opens <root>/dev/pts/ptmx (resolved inside the container's root, and
//                        checked to be a devpts ptmx, so a planted file or symlink cannot stand in
//                        for it), unlocks it, applies consoleSize and opens the slave through the
//                        master (TIOCGPTPEER: no path lookup of /dev/pts/N at all);
//   send_console_master  hands the master to whoever listens on --console-socket: one message
//                        carrying the fd (SCM_RIGHTS) and the name "/dev/ptmx", runc's protocol
//                        (runc#1302), which containerd, podman and conmon read;
//   mount_console        binds the slave over a regular file it creates as <root>/dev/console,
//                        never through a symlink or device the rootfs planted there (runc's
//                        2025 /dev/console advisory);
//   become_terminal_owner  setsid + TIOCSCTTY + the slave onto fds 0-2.
#pragma once
#include "plan.h"

struct Pty {
  int master = -1, slave = -1;
};

// process.terminal without a socket to send the master to: tsrunc checks that first (terminal.ts,
// one rule for create and exec); this is the init's and exec's own guard, in the same words.
void require_console_socket(int socketFd);
Pty open_container_pty(int rootfd, const ProcessPlan& p);
void send_console_master(int socketFd, const Pty& pty);
void mount_console(int rootfd, const Pty& pty);
void become_terminal_owner(int slave);

// For the init (create/run): opens the pty in the container's devpts once its mounts are made
// (before pivot_root), binds /dev/console (only when tsrunc built /dev; a /dev bind-mounted from
// the host is never written), sends the master over `socketFd` and makes the slave the init's
// controlling terminal and stdio. Closes `socketFd`.
void setup_init_terminal(const Plan& plan, int socketFd);
