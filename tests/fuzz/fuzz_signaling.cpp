// Fuzz target: a signaling frame, parsed and validated (signaling/protocol.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = mediagw::signaling::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.message && r.message->type == mediagw::signaling::MessageType::kJoin) {
    mediagw::signaling::IsValidRoomName(r.message->room);
    mediagw::signaling::IsValidDisplayName(r.message->name);
  }
  return 0;
}
