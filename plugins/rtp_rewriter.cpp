#include "rtp_rewriter.h"

namespace mediagw {

RtpRewriter::RtpRewriter(uint16_t first_seq, uint32_t first_ts, uint32_t clock_rate,
                         bool gate_on_keyframe)
    : clock_rate_(clock_rate ? clock_rate : 90000),
      gate_on_keyframe_(gate_on_keyframe),
      last_seq_(static_cast<uint16_t>(first_seq - 1)),
      last_ts_(first_ts) {}

void RtpRewriter::Pause() {
  paused_ = true;
  forwarding_ = false;
}

void RtpRewriter::Resume() { paused_ = false; }

void RtpRewriter::Rebase(const Packet& in) {
  uint16_t next_seq = static_cast<uint16_t>(last_seq_ + 1);
  uint32_t next_ts = last_ts_;
  if (sent_any_) {
    // Advance the timestamp by the time that passed since the last packet sent, at least one tick
    // so the receiver sees a new frame; without times, assume one 30 fps frame / 20 ms of audio.
    uint64_t ticks = clock_rate_ / 50;
    if (in.pts_ns != kNoTime && last_pts_ns_ != kNoTime && in.pts_ns > last_pts_ns_)
      ticks = (in.pts_ns - last_pts_ns_) * clock_rate_ / 1000000000ull;
    next_ts = last_ts_ + static_cast<uint32_t>(ticks ? ticks : 1);
  }
  seq_delta_ = static_cast<uint16_t>(next_seq - in.seq);
  ts_delta_ = next_ts - in.timestamp;
  forwarding_ = true;
}

RtpRewriter::Verdict RtpRewriter::Process(const Packet& in, uint16_t* out_seq, uint32_t* out_ts) {
  if (paused_) return Verdict::kDrop;
  if (!forwarding_) {
    if (gate_on_keyframe_ && !in.keyframe_start) return Verdict::kWaitKeyframe;
    Rebase(in);
  }
  uint16_t seq = static_cast<uint16_t>(in.seq + seq_delta_);
  uint32_t ts = in.timestamp + ts_delta_;
  // Only a newer packet moves the high-water mark; a reordered older one keeps its place.
  if (!sent_any_ || static_cast<int16_t>(seq - last_seq_) > 0) {
    last_seq_ = seq;
    last_ts_ = ts;
    if (in.pts_ns != kNoTime) last_pts_ns_ = in.pts_ns;
  }
  sent_any_ = true;
  *out_seq = seq;
  *out_ts = ts;
  return Verdict::kForward;
}

}  // namespace mediagw
