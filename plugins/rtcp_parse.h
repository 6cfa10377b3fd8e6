// What arrives on a subscriber's transport, told apart (RFC 7983), and the RTCP feedback the
// gateway acts on, read from a decrypted compound packet.
//
// Why plain functions: everything here is client bytes, so it is parsed without a transport (no
// libnice, no SRTP state) and fuzzed as it is. Nothing reads past `len`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mediagw {

enum class PacketClass { kStun, kDtls, kRtp, kRtcp, kOther };

// RFC 7983's first-byte ranges (0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP, RTCP when the packet
// type is 192-223) and the sizes an RTP or RTCP packet must have (12 bytes up to `max_len`).
PacketClass ClassifyPacket(const uint8_t* data, size_t len, size_t max_len);

// The media SSRCs of every PLI (RFC 4585) and FIR (RFC 5104) in a compound RTCP packet, in
// order; the walk stops at the first malformed packet.
std::vector<uint32_t> KeyframeRequests(const uint8_t* data, size_t len);

}  // namespace mediagw
