// Presentation times for a received RTP stream, from its RTP timestamps and arrival times.
//
// Why: the composite mixes each participant's audio and video, so the two must carry times that
// agree. The times rtpbin puts on received packets did not: it shifts each stream by offsets
// computed from the sender's RTCP sender reports, and with mediagw-client as the sender these
// put audio and video 100-640 ms apart in about one run in four (different in every run). Here each
// packet's time is its RTP time plus the stream's smallest transit seen lately (arrival minus RTP
// time): the packets that came fastest define the mapping, so network jitter does not move it, and
// audio and video of one sender, which travel together, stay within their difference in send delay.
// Clock drift is followed by forgetting old minima (two windows); a stream whose RTP time jumps (a
// new source, a long mute) is re-anchored. Plain C++ without GStreamer so that it is tested on its
// own.
#pragma once

#include <cstdint>

namespace mediagw {

class MediaClock {
 public:
  static constexpr int64_t kWindowNs = 4'000'000'000;  // forget minima older than 2 windows
  static constexpr int64_t kResyncNs = 1'000'000'000;  // later than the mapping by this: re-anchor

  explicit MediaClock(uint32_t clock_rate) : clock_rate_(clock_rate ? clock_rate : 90000) {}

  // The presentation time (same clock as arrival_ns) of a packet with this RTP timestamp.
  int64_t Stamp(uint32_t rtp_timestamp, int64_t arrival_ns);

 private:
  uint32_t clock_rate_;
  bool started_ = false;
  uint32_t last_rtp_ = 0;
  int64_t extended_ = 0;  // RTP time since the first packet, in clock ticks (no wrap)
  int64_t window_start_ = 0;
  int64_t current_min_ = 0, previous_min_ = 0;  // smallest transit in this and the last window
};

}  // namespace mediagw
