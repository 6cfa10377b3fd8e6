// Fuzz target: the forwarding path's per-packet work on publisher RTP: keyframe detection from
// the payload (VP8, H.264, Opus) and the per-subscriber rewrite with mutes in between. The input
// is a run of records: [flags][seq:2][timestamp:4][length:1][payload:length].
#include <cstddef>
#include <cstdint>

#include "rtp_keyframe.h"
#include "rtp_rewriter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const mediagw::RtpCodec codecs[] = {mediagw::RtpCodec::kVp8, mediagw::RtpCodec::kH264,
                                      mediagw::RtpCodec::kOpus, mediagw::RtpCodec::kUnknown};
  mediagw::RtpCodec codec = codecs[data[0] & 3];
  mediagw::RtpRewriter rewriter(static_cast<uint16_t>(data[0] * 257), 1234, 90000,
                                mediagw::IsVideoCodec(codec));
  size_t off = 1;
  uint64_t pts = 0;
  while (off + 8 <= size) {
    uint8_t flags = data[off];
    mediagw::RtpRewriter::Packet p;
    p.seq = static_cast<uint16_t>((data[off + 1] << 8) | data[off + 2]);
    p.timestamp = (uint32_t(data[off + 3]) << 24) | (uint32_t(data[off + 4]) << 16) |
                  (uint32_t(data[off + 5]) << 8) | data[off + 6];
    size_t len = data[off + 7];
    off += 8;
    if (len > size - off) len = size - off;
    p.keyframe_start = mediagw::IsKeyframeStart(codec, data + off, len);
    pts += (flags & 0x0f) * 10'000'000ull;
    p.pts_ns = flags & 0x80 ? mediagw::RtpRewriter::kNoTime : pts;
    if (flags & 0x40) rewriter.Pause();
    if (flags & 0x20) rewriter.Resume();
    uint16_t seq = 0;
    uint32_t ts = 0;
    rewriter.Process(p, &seq, &ts);
    off += len;
  }
  return 0;
}
