// conformance probe: runs as a container's process and prints, as one JSON object on stdout,
// what that process sees of itself. Static (gcc -static), so it runs in any rootfs.
//
//   probe [-r FILE] [-s PATH] [-w FILE] [-m DIR] [-o DEV] [-l DIR] [-g CTRL:FILE] [-e N]
//     -r  read FILE             -> files[FILE]   = content, or {"errno": N}
//     -s  lstat PATH            -> stats[PATH]   = {type, mode, uid, gid, major, minor, target}
//     -w  create+write FILE     -> writes[FILE]  = 0 or errno
//     -m  mkdir DIR             -> mkdirs[DIR]   = 0 or errno
//     -o  open DEV for writing  -> opens[DEV]    = 0 or errno (the devices cgroup decides at open)
//     -l  list DIR              -> lists[DIR]    = [names] or {"errno": N}
//     -g  a cgroup file of the controller CTRL, found through /proc/self/cgroup under the host's
//         cgroup tree bind-mounted at /hostcg -> cgroups["CTRL:FILE"] = content or {"errno": N}
//     -e  exit with status N after printing
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static int first;

static void str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}
static void key(const char *k) { printf(first ? "\n " : ",\n "); first = 0; str(k); putchar(':'); }
static void open_obj(const char *k) { key(k); putchar('{'); first = 1; }
static void close_obj(void) { putchar('}'); first = 0; }

// Prints the content of a file (up to 64 KiB) as a string, or {"errno": N}.
static void file_value(const char *path) {
  static char buf[65536];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { printf("{\"errno\":%d}", errno); return; }
  size_t n = 0;
  ssize_t r;
  while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  if (r < 0 && n == 0) { printf("{\"errno\":%d}", errno); close(fd); return; }
  buf[n] = 0;
  close(fd);
  str(buf);
}

static void num_or_inf(unsigned long long v) {
  if (v == (unsigned long long)RLIM_INFINITY) printf("\"unlimited\"");
  else printf("\"%llu\"", v);
}

static void identity(void) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  key("uid"); printf("%u", e);
  key("gid"); printf("%u", ge);
  key("ruid"); printf("%u", r);
  key("rgid"); printf("%u", gr);
  gid_t groups[256];
  int n = getgroups(256, groups);
  key("groups"); putchar('[');
  for (int i = 0; i < n; i++) printf("%s%u", i ? "," : "", groups[i]);
  putchar(']');
  key("pid"); printf("%d", getpid());
  key("ppid"); printf("%d", getppid());
  key("sid"); printf("%d", getsid(0));
  key("pgid"); printf("%d", getpgid(0));
}

static void process_state(int argc, char **argv) {
  char cwd[4096];
  key("cwd"); str(getcwd(cwd, sizeof cwd) ? cwd : "");
  key("argv"); putchar('[');
  for (int i = 0; i < argc; i++) { if (i) putchar(','); str(argv[i]); }
  putchar(']');
  key("env"); putchar('[');
  for (char **e = environ; *e; e++) { if (e != environ) putchar(','); str(*e); }
  putchar(']');
  mode_t m = umask(0);
  umask(m);
  key("umask"); printf("%u", m);
  key("noNewPrivs"); printf("%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  key("personality"); printf("%d", personality(0xffffffff));
  key("ioprio"); printf("%ld", syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0));
  key("schedPolicy"); printf("%d", sched_getscheduler(0));
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  key("nice"); printf("%d", nice);
  struct utsname u;
  uname(&u);
  key("hostname"); str(u.nodename);
  key("domainname"); str(u.domainname);
  key("machine"); str(u.machine);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  key("monotonicSecs"); printf("%lld", (long long)ts.tv_sec);
  clock_gettime(CLOCK_BOOTTIME, &ts);
  key("boottimeSecs"); printf("%lld", (long long)ts.tv_sec);
}

static void terminal(void) {
  open_obj("tty");
  for (int fd = 0; fd < 3; fd++) {
    char k[8];
    snprintf(k, sizeof k, "%d", fd);
    key(k); printf("%s", isatty(fd) ? "true" : "false");
  }
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) { key("rows"); printf("%u", ws.ws_row); key("cols"); printf("%u", ws.ws_col); }
  char *name = ttyname(0);
  if (name) { key("name"); str(name); }
  close_obj();
}

static void rlimits(void) {
  static const struct { const char *name; int res; } all[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
  };
  open_obj("rlimits");
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    struct rlimit rl;
    if (getrlimit(all[i].res, &rl) != 0) continue;
    key(all[i].name);
    printf("{\"soft\":"); num_or_inf(rl.rlim_cur); printf(",\"hard\":"); num_or_inf(rl.rlim_max); putchar('}');
  }
  close_obj();
}

static void fds(void) {
  open_obj("fds");
  DIR *d = opendir("/proc/self/fd");
  int self = d ? dirfd(d) : -1;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
    char path[300], target[4096];
    snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    key(e->d_name); str(target);
  }
  if (d) closedir(d);
  close_obj();
}

static void namespaces(void) {
  static const char *types[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  open_obj("ns");
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    char path[64], target[256];
    snprintf(path, sizeof path, "/proc/self/ns/%s", types[i]);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0) continue;
    target[n] = 0;
    key(types[i]); str(target);
  }
  close_obj();
}

static void stat_value(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) { printf("{\"errno\":%d}", errno); return; }
  const char *type = S_ISCHR(st.st_mode) ? "c" : S_ISBLK(st.st_mode) ? "b" : S_ISFIFO(st.st_mode) ? "p"
                   : S_ISLNK(st.st_mode) ? "l" : S_ISDIR(st.st_mode) ? "d" : S_ISREG(st.st_mode) ? "f" : "?";
  printf("{\"type\":\"%s\",\"mode\":%u,\"uid\":%u,\"gid\":%u,\"major\":%u,\"minor\":%u", type,
         st.st_mode & 07777, st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev));
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    printf(",\"target\":"); str(target);
  }
  putchar('}');
}

static int try_write(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int e = write(fd, "x", 1) == 1 ? 0 : errno;
  close(fd);
  return e;
}

static void list_value(const char *path) {
  DIR *d = opendir(path);
  if (!d) { printf("{\"errno\":%d}", errno); return; }
  struct dirent *e;
  int n = 0;
  putchar('[');
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) { if (n++) putchar(','); str(e->d_name); }
  putchar(']');
  closedir(d);
}

// /proc/self/cgroup: "N:ctrl1,ctrl2:/path" (v1) or "0::/path" (v2). Finds the directory of CTRL's
// hierarchy under /hostcg: /hostcg/<hierarchy>/<path> on v1, /hostcg/unified/<path> or
// /hostcg/<path> on v2.
static void cgroup_value(const char *spec) {
  char ctrl[64], file[256], line[4096], v2path[4096] = "", path[8192];
  const char *colon = strchr(spec, ':');
  if (!colon) { printf("{\"errno\":%d}", EINVAL); return; }
  snprintf(ctrl, sizeof ctrl, "%.*s", (int)(colon - spec), spec);
  snprintf(file, sizeof file, "%s", colon + 1);
  FILE *f = fopen("/proc/self/cgroup", "re");
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    char *list = strchr(line, ':'), *cgpath;
    if (!list || !(cgpath = strchr(++list, ':'))) continue;
    *cgpath++ = 0;
    if (*list == 0) { snprintf(v2path, sizeof v2path, "%s", cgpath); continue; }
    char copy[256];
    snprintf(copy, sizeof copy, "%s", list);
    for (char *save, *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
      if (strcmp(c, ctrl) == 0) {
        fclose(f);
        snprintf(path, sizeof path, "/hostcg/%s%s/%s", list, cgpath, file);
        file_value(path);
        return;
      }
    }
  }
  if (f) fclose(f);
  snprintf(path, sizeof path, "/hostcg/unified%s/%s", v2path, file);
  if (access("/hostcg/unified", F_OK) != 0) snprintf(path, sizeof path, "/hostcg%s/%s", v2path, file);
  file_value(path);
}

int main(int argc, char **argv) {
  int code = 0;
  printf("{");
  first = 1;
  identity();
  process_state(argc, argv);
  terminal();
  rlimits();
  fds();
  namespaces();
  key("status"); file_value("/proc/self/status");
  key("mountinfo"); file_value("/proc/self/mountinfo");
  key("cgroup"); file_value("/proc/self/cgroup");
  key("oomScoreAdj"); file_value("/proc/self/oom_score_adj");
  key("uidMap"); file_value("/proc/self/uid_map");
  key("gidMap"); file_value("/proc/self/gid_map");
  static const char *sections[] = {"files", "stats", "writes", "mkdirs", "opens", "lists", "cgroups"};
  static const char flags[] = "rswmolg";
  for (int s = 0; s < 7; s++) {
    open_obj(sections[s]);
    for (int i = 1; i + 1 < argc; i++) {
      if (argv[i][0] != '-' || argv[i][1] != flags[s]) continue;
      const char *arg = argv[++i];
      key(arg);
      switch (flags[s]) {
        case 'r': file_value(arg); break;
        case 's': stat_value(arg); break;
        case 'w': printf("%d", try_write(arg)); break;
        case 'm': printf("%d", mkdir(arg, 0755) == 0 ? 0 : errno); break;
        case 'o': { int fd = open(arg, O_WRONLY | O_CLOEXEC); printf("%d", fd < 0 ? errno : 0); if (fd >= 0) close(fd); break; }
        case 'l': list_value(arg); break;
        case 'g': cgroup_value(arg); break;
      }
    }
    close_obj();
  }
  for (int i = 1; i + 1 < argc; i++) if (strcmp(argv[i], "-e") == 0) code = atoi(argv[i + 1]);
  printf("\n}\n");
  fflush(stdout);
  return code;
}
