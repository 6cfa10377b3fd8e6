// Per-subscriber RTP rewriting: the arithmetic that keeps a subscriber's stream continuous.
//
// Why: a subscriber joins mid-stream, waits for a keyframe, and may be muted and unmuted, so the
// packets it receives are a series of windows cut out of the publisher's stream. Each window is
// re-based so that the subscriber sees one stream: sequence numbers go on from the last one it
// got (no jump, no gap the publisher did not cause), and RTP timestamps advance by the wall time
// that passed. Inside a window, the publisher's own gaps and reordering pass through unchanged.
// Plain C++ without GStreamer so that any send path (GStreamer element or a later direct one)
// can use it, and so it is tested on its own.
#pragma once

#include <cstdint>

namespace mediagw {

class RtpRewriter {
 public:
  static constexpr uint64_t kNoTime = ~uint64_t{0};

  struct Packet {
    uint16_t seq = 0;
    uint32_t timestamp = 0;
    uint64_t pts_ns = kNoTime;  // arrival/presentation time, used to advance timestamps on re-base
    bool keyframe_start = false;  // first packet of a keyframe (always true for audio)
  };
  enum class Verdict {
    kForward,        // send it with the rewritten seq/timestamp
    kDrop,           // muted
    kWaitKeyframe,   // video waiting for a keyframe: drop, and a keyframe should be requested
  };

  // first_seq/first_ts: what the subscriber's stream starts at (random per stream in practice).
  RtpRewriter(uint16_t first_seq, uint32_t first_ts, uint32_t clock_rate, bool gate_on_keyframe);

  Verdict Process(const Packet& in, uint16_t* out_seq, uint32_t* out_ts);

  // Stops forwarding (mute); Resume() lets the next packet start a new window.
  void Pause();
  void Resume();

 private:
  void Rebase(const Packet& in);

  const uint32_t clock_rate_;
  const bool gate_on_keyframe_;
  bool paused_ = false;
  bool forwarding_ = false;  // inside a window
  bool sent_any_ = false;
  uint16_t seq_delta_ = 0;
  uint32_t ts_delta_ = 0;
  // The newest packet sent so far (in subscriber numbering), and when it was sent.
  uint16_t last_seq_;
  uint32_t last_ts_;
  uint64_t last_pts_ns_ = kNoTime;
};

}  // namespace mediagw
