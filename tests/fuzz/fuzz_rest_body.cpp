// Fuzz target: a REST request body against every route's field table, then what the handlers
// read from a body that passed (the restream URL, the invite's grants).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth.h"
#include "protocol.h"
#include "rest_bodies.h"
#include "rtmp_url.h"

using namespace mediagw::signaling;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::span<const FieldSpec> tables[] = {kRoomBody, kRestreamBody, kHlsBody, kInviteBody};
  for (auto table : tables) {
    mediagw::GRef<JsonParser> parser;
    JsonObject* body = nullptr;
    if (ReadRestBody(text, table, &parser, &body)) continue;
    // Passed the table: these members are strings when present.
    if (JsonNode* url = json_object_get_member(body, "url"))
      ParseRtmpUrl(json_node_get_string(url));
    if (JsonNode* name = json_object_get_member(body, "name"))
      IsValidRoomName(json_node_get_string(name));
    if (JsonNode* g = json_object_get_member(body, "grants")) {
      if (!JSON_NODE_HOLDS_ARRAY(g)) continue;
      std::vector<std::string> names;
      JsonArray* a = json_node_get_array(g);
      for (guint i = 0; i < json_array_get_length(a); i++)
        names.emplace_back(json_array_get_string_element(a, i));
      std::string error;
      mediagw::auth::ParseGrantNames(names, &error);
    }
  }
  return 0;
}
