// Counting requests per caller in fixed windows (a second, ten seconds, a minute): the abuse
// limits of [limits]. Lives on the main context.
#pragma once

#include <glib.h>

#include <map>
#include <string>

namespace mediagw {

class RateLimiter {
 public:
  RateLimiter(unsigned limit, gint64 window_us) : limit_(limit), window_us_(window_us) {}

  // Counts one event of `who`; false when `who` is over the limit in the current window.
  bool Allow(const std::string& who, gint64 now_us = g_get_monotonic_time()) {
    gint64 window = now_us / window_us_;
    if (counts_.size() > 10000)  // forget callers of earlier windows
      std::erase_if(counts_, [&](const auto& kv) { return kv.second.window != window; });
    Count& c = counts_[who];
    if (c.window != window) c = Count{window, 0};
    return ++c.count <= limit_;
  }
  // Whole seconds until the current window ends (at least 1): for Retry-After.
  unsigned RetryAfterSeconds(gint64 now_us = g_get_monotonic_time()) const {
    gint64 left = window_us_ - now_us % window_us_;
    return static_cast<unsigned>(std::max<gint64>(1, (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
  }
  unsigned limit() const { return limit_; }

 private:
  struct Count {
    gint64 window = -1;
    unsigned count = 0;
  };
  const unsigned limit_;
  const gint64 window_us_;
  std::map<std::string, Count> counts_;
};

}  // namespace mediagw
