// CPU time and memory of another process (the server under load), read from /proc.
#pragma once

#include <sys/types.h>

namespace mediagw::client {

struct ProcSample {
  bool ok = false;
  double cpu_seconds = 0;  // utime + stime
  double rss_mb = 0;       // VmRSS
};

ProcSample ReadProc(pid_t pid);

}  // namespace mediagw::client
