#include "rtcp_parse.h"

namespace mediagw {
namespace {

uint32_t ReadU32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

PacketClass ClassifyPacket(const uint8_t* data, size_t len, size_t max_len) {
  if (len < 1) return PacketClass::kOther;
  uint8_t b = data[0];
  if (b <= 3) return PacketClass::kStun;
  if (b >= 20 && b <= 63) return PacketClass::kDtls;
  if (b < 128 || b > 191 || len < 12 || len > max_len) return PacketClass::kOther;
  return data[1] >= 192 && data[1] <= 223 ? PacketClass::kRtcp : PacketClass::kRtp;
}

std::vector<uint32_t> KeyframeRequests(const uint8_t* data, size_t len) {
  std::vector<uint32_t> out;
  size_t off = 0;
  while (off + 4 <= len) {
    const uint8_t* h = data + off;
    unsigned fmt = h[0] & 0x1f;
    unsigned pt = h[1];
    size_t plen = ((size_t(h[2]) << 8) | h[3]) * 4 + 4;
    if ((h[0] >> 6) != 2 || off + plen > len) break;
    if (pt == 206 && fmt == 1 && plen >= 12) {
      out.push_back(ReadU32(h + 8));  // PLI: the media source SSRC
    } else if (pt == 206 && fmt == 4) {
      for (size_t fci = 12; fci + 8 <= plen; fci += 8) out.push_back(ReadU32(h + fci));  // FIR
    }
    off += plen;
  }
  return out;
}

}  // namespace mediagw
