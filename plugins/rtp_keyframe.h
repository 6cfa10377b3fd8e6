// Recognises the first packet of a keyframe in an RTP payload, without decoding.
// Why: a subscriber can only start decoding at a keyframe, so the forwarder drops everything
// before one, and it must tell which packet starts it from the payload format alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mediagw {

enum class RtpCodec { kUnknown, kOpus, kVp8, kH264 };

RtpCodec RtpCodecFromEncodingName(std::string_view encoding_name);  // case-insensitive
bool IsVideoCodec(RtpCodec codec);

// True when this payload is the first packet of a keyframe (RFC 7741 for VP8; RFC 6184 for
// H.264, where an SPS or IDR starts one). Audio payloads are always true.
bool IsKeyframeStart(RtpCodec codec, const uint8_t* payload, std::size_t size);

}  // namespace mediagw
