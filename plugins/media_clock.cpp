#include "media_clock.h"

#include <algorithm>

namespace mediagw {

int64_t MediaClock::Stamp(uint32_t rtp_timestamp, int64_t arrival_ns) {
  if (started_) extended_ += static_cast<int32_t>(rtp_timestamp - last_rtp_);
  last_rtp_ = rtp_timestamp;
  // Ticks to ns without overflow for a stream of any length that fits in int64 ticks.
  const int64_t media_ns = extended_ / clock_rate_ * 1'000'000'000 +
                           extended_ % clock_rate_ * 1'000'000'000 / clock_rate_;
  const int64_t transit = arrival_ns - media_ns;
  if (!started_ || transit - std::min(current_min_, previous_min_) > kResyncNs) {
    started_ = true;
    window_start_ = arrival_ns;
    current_min_ = previous_min_ = transit;
  } else {
    if (arrival_ns - window_start_ >= kWindowNs) {
      previous_min_ = current_min_;
      current_min_ = transit;
      window_start_ = arrival_ns;
    }
    current_min_ = std::min(current_min_, transit);
  }
  return media_ns + std::min(current_min_, previous_min_);
}

}  // namespace mediagw
