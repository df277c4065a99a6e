#include "proc_stat.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tsrunc {

bool readProcStat(long pid, ProcStat& out) {
  if (pid <= 0) return false;
  const std::string file = "/proc/" + std::to_string(pid) + "/stat";
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // The whole line in one read (the kernel makes it at once; it is far below 1 KiB but for the
  // command name, which is at most 64 bytes).
  char buf[1024];
  ssize_t n;
  do n = read(fd, buf, sizeof buf); while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return false;
  const std::string text(buf, static_cast<size_t>(n));
  // The command name (field 2) is in parentheses and may itself hold spaces and ')': the
  // fields start after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  size_t start = close + 2;
  for (int field = 3; field <= 22; field++) {
    size_t end = text.find_first_of(" \n", start);
    if (end == std::string::npos) end = text.size();
    if (field == 3) out.state = end > start ? text[start] : 0;
    if (field == 22) {
      out.startTime = text.substr(start, end - start);
      return !out.startTime.empty();
    }
    if (end >= text.size()) return false;
    start = end + 1;
  }
  return false;
}

}  // namespace tsrunc
