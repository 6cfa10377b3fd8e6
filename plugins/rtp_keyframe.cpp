#include "rtp_keyframe.h"

#include <strings.h>

#include <cstring>

namespace mediagw {
namespace {

bool Vp8KeyframeStart(const uint8_t* p, std::size_t n) {
  if (n < 1) return false;
  std::size_t i = 1;
  const bool extended = p[0] & 0x80;
  const bool start = p[0] & 0x10;
  const unsigned partition = p[0] & 0x07;
  if (!start || partition != 0) return false;
  if (extended) {
    if (n < 2) return false;
    const uint8_t x = p[1];
    i = 2;
    if (x & 0x80) {  // I: picture id, 7 or 15 bits
      if (i >= n) return false;
      i += (p[i] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) i += 1;           // L: TL0PICIDX
    if (x & 0x30) i += 1;           // T or K: TID/Y/KEYIDX
  }
  if (i >= n) return false;
  return (p[i] & 0x01) == 0;  // P bit clear: key frame
}

bool H264NalStartsKeyframe(uint8_t nal_type) { return nal_type == 5 || nal_type == 7; }

bool H264KeyframeStart(const uint8_t* p, std::size_t n) {
  if (n < 1) return false;
  const uint8_t type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) return H264NalStartsKeyframe(type);
  if (type == 24) {  // STAP-A: 16-bit size, then a NAL unit, repeated
    std::size_t i = 1;
    while (i + 2 < n) {
      const std::size_t size = (std::size_t{p[i]} << 8) | p[i + 1];
      i += 2;
      if (size == 0 || i + size > n) return false;
      if (H264NalStartsKeyframe(p[i] & 0x1f)) return true;
      i += size;
    }
    return false;
  }
  if (type == 28) {  // FU-A: start bit and the fragmented NAL's type
    if (n < 2) return false;
    return (p[1] & 0x80) && H264NalStartsKeyframe(p[1] & 0x1f);
  }
  return false;
}

}  // namespace

RtpCodec RtpCodecFromEncodingName(std::string_view name) {
  auto is = [&](const char* s) {
    return name.size() == strlen(s) && strncasecmp(name.data(), s, name.size()) == 0;
  };
  if (is("VP8")) return RtpCodec::kVp8;
  if (is("H264")) return RtpCodec::kH264;
  if (is("OPUS")) return RtpCodec::kOpus;
  return RtpCodec::kUnknown;
}

bool IsVideoCodec(RtpCodec codec) { return codec == RtpCodec::kVp8 || codec == RtpCodec::kH264; }

bool IsKeyframeStart(RtpCodec codec, const uint8_t* payload, std::size_t size) {
  switch (codec) {
    case RtpCodec::kVp8: return Vp8KeyframeStart(payload, size);
    case RtpCodec::kH264: return H264KeyframeStart(payload, size);
    default: return true;
  }
}

}  // namespace mediagw
