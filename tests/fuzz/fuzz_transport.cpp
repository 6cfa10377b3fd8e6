// Fuzz target: what arrives on a subscriber's transport: the RFC 7983 demultiplexing and the
// RTCP compound walk that finds keyframe requests (plugins/rtcp_parse.cpp).
#include <cstddef>
#include <cstdint>

#include "rtcp_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediagw::ClassifyPacket(data, size, 1500);
  mediagw::KeyframeRequests(data, size);
  // The same bytes after the 8-byte SRTCP-less header a compound often starts with.
  if (size > 8) mediagw::KeyframeRequests(data + 8, size - 8);
  return 0;
}
